import { EventyardError, isEventyardError } from '../errors.ts';
import { parseIsoDuration } from './duration.ts';
import type { DeliverySpec, Destination, ResolvedDelivery } from './types.ts';

/**
 * Delivery when neither the trigger nor its broker says otherwise: Knative's installed
 * config-br-defaults (retry 10, exponential, PT0.2S), a 30 s per-attempt timeout, Retry-After
 * honoured up to 60 s, and binary content mode.
 */
export const DEFAULT_DELIVERY = Object.freeze({
  retry: 10,
  backoffPolicy: 'exponential',
  backoffDelay: 'PT0.2S',
  timeout: 'PT30S',
  retryAfterMax: 'PT60S',
  format: 'binary',
} as const satisfies DeliverySpec);

/** Turns a Destination into a URL; throws EventyardError with `details.path` relative to it. */
export type SinkResolver = (dest: Destination) => string;

/**
 * Trigger fields over broker fields over `DEFAULT_DELIVERY`, field by field, durations in
 * milliseconds, the dead-letter sink (the trigger's, else the broker's) resolved to a URL.
 * Throws EY_INVALID_RESOURCE when that sink cannot be resolved, with `details.owner` ('trigger' or
 * 'broker') and `details.path` (e.g. `/deadLetterSink/ref`) saying whose and where.
 */
export function resolveDelivery(
  trigger: DeliverySpec | undefined,
  broker: DeliverySpec | undefined,
  resolveSink: SinkResolver,
): ResolvedDelivery {
  const sink = trigger?.deadLetterSink ?? broker?.deadLetterSink;
  let deadLetterUri: string | undefined;
  if (sink !== undefined) {
    const owner = trigger?.deadLetterSink !== undefined ? 'trigger' : 'broker';
    try {
      deadLetterUri = resolveSink(sink);
    } catch (error) {
      const path =
        isEventyardError(error) && typeof error.details?.path === 'string' ? error.details.path : '';
      throw new EventyardError(
        'EY_INVALID_RESOURCE',
        `deadLetterSink: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, details: { owner, path: `/deadLetterSink${path}` } },
      );
    }
  }
  return {
    retry: trigger?.retry ?? broker?.retry ?? DEFAULT_DELIVERY.retry,
    backoffPolicy: trigger?.backoffPolicy ?? broker?.backoffPolicy ?? DEFAULT_DELIVERY.backoffPolicy,
    backoffDelayMs: parseIsoDuration(
      trigger?.backoffDelay ?? broker?.backoffDelay ?? DEFAULT_DELIVERY.backoffDelay,
    ),
    timeoutMs: parseIsoDuration(trigger?.timeout ?? broker?.timeout ?? DEFAULT_DELIVERY.timeout),
    retryAfterMaxMs: parseIsoDuration(
      trigger?.retryAfterMax ?? broker?.retryAfterMax ?? DEFAULT_DELIVERY.retryAfterMax,
    ),
    format: trigger?.format ?? broker?.format ?? DEFAULT_DELIVERY.format,
    deadLetterUri,
  };
}
