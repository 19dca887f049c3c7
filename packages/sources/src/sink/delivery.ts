import { parseIsoDuration } from '@eventyard/core';
import type { SinkDelivery, SinkDeliverySpec } from '../types.ts';
import type { FieldProblem } from '../validation.ts';

/**
 * A webhook caller waits while its event is retried, so the defaults stay well under the 10 s
 * many webhook senders allow: 3 retries at 0.4, 0.8 and 1.6 s (±20%), 5 s per attempt.
 */
export const WEBHOOK_DELIVERY: SinkDelivery = {
  retry: 3,
  backoffPolicy: 'exponential',
  backoffDelayMs: 200,
  timeoutMs: 5000,
  retryAfterMaxMs: 10_000,
};

/**
 * Knative's PingSource adapter (pkg/adapter/mtping/runner.go) retries 5 times with exponential
 * backoff from 50 ms, so a tick is given up well before the next minute.
 */
export const PING_DELIVERY: SinkDelivery = {
  retry: 5,
  backoffPolicy: 'exponential',
  backoffDelayMs: 50,
  timeoutMs: 5000,
  retryAfterMaxMs: 10_000,
};

/** `spec.delivery` over `defaults`; a bad duration is added to `problems` under `path`. */
export function resolveSinkDelivery(
  spec: SinkDeliverySpec | undefined,
  defaults: SinkDelivery,
  path: string,
  problems: FieldProblem[],
): SinkDelivery {
  const ms = (field: 'backoffDelay' | 'timeout' | 'retryAfterMax', fallback: number): number => {
    const text = spec?.[field];
    if (text === undefined) return fallback;
    try {
      const value = parseIsoDuration(text);
      if (field === 'timeout' && value === 0) {
        problems.push({ path: `${path}/${field}`, message: 'must be longer than zero' });
      }
      return value;
    } catch (error) {
      problems.push({ path: `${path}/${field}`, message: (error as Error).message });
      return fallback;
    }
  };
  return {
    retry: spec?.retry ?? defaults.retry,
    backoffPolicy: spec?.backoffPolicy ?? defaults.backoffPolicy,
    backoffDelayMs: ms('backoffDelay', defaults.backoffDelayMs),
    timeoutMs: ms('timeout', defaults.timeoutMs),
    retryAfterMaxMs: ms('retryAfterMax', defaults.retryAfterMaxMs),
  };
}
