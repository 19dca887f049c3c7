/** kafkajs failures as the log's coded errors. */
import { type EventyardError, isEventyardError } from '@eventyard/core';
import { logUnavailable, topicNotFound } from '../../../errors.ts';

/** kafkajs protocol error type of `error` (e.g. 'UNKNOWN_TOPIC_OR_PARTITION'), if it has one. */
export function kafkaErrorType(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = (e as Error & { cause?: unknown }).cause) {
    const type = (e as Error & { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  return undefined;
}

export function isUnknownTopic(error: unknown): boolean {
  return kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION';
}

/**
 * Any kafkajs failure as an EventyardError: an unknown topic is EY_TOPIC_NOT_FOUND, everything
 * else (broker down, timeouts, leader elections, refused requests) EY_LOG_UNAVAILABLE, which
 * ingress answers with 503.
 */
export function toLogError(error: unknown, what: string, topic?: string): EventyardError {
  if (isEventyardError(error)) return error;
  if (topic !== undefined && isUnknownTopic(error)) return topicNotFound(topic);
  const message = error instanceof Error ? error.message : String(error);
  return logUnavailable(`${what}: ${message}`, error, topic === undefined ? undefined : { topic });
}
