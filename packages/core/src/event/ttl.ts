// Knative's reply-loop guard: the `knativebrokerttl` extension (pkg/broker/ttl.go).

/** The extension that counts the hops an event (and its replies' descendants) has left. */
export const TTL_ATTRIBUTE = 'knativebrokerttl';

/** Hops an event starts with, and the most it may carry (Knative's default TTL). */
export const MAX_TTL = 255;

/** A CloudEvents Integer in its canonical string form (core spec, "Type System": `-?[0-9]+`). */
const INTEGER_TEXT = /^-?\d{1,10}$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * The hops an event has left, from its `knativebrokerttl` value. Knative's `TTLDefaulter` resets a
 * missing TTL, or one that is not a CloudEvents Integer (text, a fraction, beyond 32 bits), to the
 * default; a TTL above the default is lowered to it too, so no sender can buy itself a longer loop
 * than an event the broker stamped. Zero and below are returned as they are: the loop is over.
 */
export function hopsLeft(ttl: string | undefined): number {
  if (ttl === undefined || !INTEGER_TEXT.test(ttl)) return MAX_TTL;
  const hops = Number(ttl);
  if (hops < INT32_MIN || hops > INT32_MAX) return MAX_TTL;
  return Math.min(hops, MAX_TTL);
}
