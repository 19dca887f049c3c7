/**
 * Failpoints: named places on the per-record path where a test makes the dispatcher throw, to
 * prove that an exception in any stage neither loses nor repeats a record (the pattern of etcd's
 * gofail and TiKV's fail-rs). Nothing is armed in production; an unarmed failpoint costs one
 * comparison.
 */
export type Failpoint =
  /** Decoding a record read from the broker topic into an event. */
  | 'decode'
  /** Matching an event against the broker's trigger index. */
  | 'match'
  /** Handing a matched event to a trigger's queue. */
  | 'enqueue'
  /** Sending a delivery attempt. */
  | 'deliver'
  /** Handling a subscriber's 2xx answer (its reply). */
  | 'reply'
  /** Committing a consumer's offsets. */
  | 'commit';

const armed = new Map<Failpoint, number>();

/** Throws at `name` when armed, `times` times in all (then it disarms itself). */
export function armFailpoint(name: Failpoint, times = 1): void {
  armed.set(name, times);
}

export function disarmFailpoints(): void {
  armed.clear();
}

export function failpoint(name: Failpoint): void {
  if (armed.size === 0) return;
  const left = armed.get(name);
  if (left === undefined) return;
  if (left <= 1) armed.delete(name);
  else armed.set(name, left - 1);
  throw new Error(`failpoint ${name}`);
}
