/** Deadlines that turn a hang into a coded error, and client failures as the log's coded errors. */
import { type EventyardError, isEventyardError } from '@eventyard/core';
import { logUnavailable } from '../errors.ts';

/**
 * Any failure as an EventyardError: the log's own errors as they are, everything else (broker down,
 * timeouts, leader elections, refused requests) EY_LOG_UNAVAILABLE, which ingress answers with 503.
 * Each client's errors.ts tells an unknown topic (EY_TOPIC_NOT_FOUND) apart first.
 */
export function toLogError(error: unknown, what: string, topic?: string): EventyardError {
  if (isEventyardError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return logUnavailable(`${what}: ${message}`, error, topic === undefined ? undefined : { topic });
}

/**
 * Settles like `promise`, or rejects with `onTimeout()` after `ms`. The work itself is not
 * cancelled (the clients cannot be), so its late failure is swallowed here.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export function timedOut(what: string, ms: number, details?: Record<string, unknown>): EventyardError {
  return logUnavailable(`${what}: Kafka did not answer within ${ms} ms`, undefined, details);
}
