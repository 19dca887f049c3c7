import { backoffDelayMs, parseRetryAfter, type ResolvedDelivery } from '@eventyard/core';
import { type AttemptResult, headerValue } from './delivery.ts';

/** Attempts in total for a delivery spec: the first one plus `retry` retries. */
export function maxAttempts(delivery: ResolvedDelivery): number {
  return 1 + delivery.retry;
}

/**
 * How long to wait before retry number `retry` (1 for the first retry) after `result`: the backoff
 * of the delivery spec (with jitter), or the `Retry-After` a 429 or 503 asked for when that is
 * longer, capped at `retryAfterMax` (Knative's retries.go; a cap of 0 ignores Retry-After).
 */
export function retryWaitMs(
  delivery: ResolvedDelivery,
  retry: number,
  result: AttemptResult,
  now: number,
  random: () => number,
): number {
  const backoff = backoffDelayMs(delivery.backoffPolicy, delivery.backoffDelayMs, retry, random);
  if (result.kind !== 'response' || (result.status !== 429 && result.status !== 503)) return backoff;
  if (delivery.retryAfterMaxMs <= 0) return backoff;
  const asked = parseRetryAfter(headerValue(result.headers, 'retry-after'), now);
  if (asked === undefined) return backoff;
  return Math.max(backoff, Math.min(asked, delivery.retryAfterMaxMs));
}
