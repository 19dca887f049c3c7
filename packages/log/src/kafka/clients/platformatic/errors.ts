/** @platformatic/kafka failures as the log's coded errors. */
import { type EventyardError, isEventyardError } from '@eventyard/core';
import { logUnavailable, topicNotFound } from '../../../errors.ts';

/** True when some error in the chain (cause, or an aggregate's errors) has Kafka's error `apiId`. */
export function hasKafkaError(error: unknown, apiId: string, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 8) return false;
  if ((error as Error & { apiId?: unknown }).apiId === apiId) return true;
  const nested = (error as Error & { errors?: unknown }).errors;
  if (Array.isArray(nested) && nested.some((e) => hasKafkaError(e, apiId, depth + 1))) return true;
  return hasKafkaError(error.cause, apiId, depth + 1);
}

/**
 * Kafka's UNKNOWN_TOPIC_OR_PARTITION, or how the client's metadata lookup reports it: a UserError
 * "Unknown topic <name>." without the protocol error attached.
 */
export function isUnknownTopic(error: unknown): boolean {
  if (hasKafkaError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) return true;
  return (
    error instanceof Error &&
    (error as Error & { code?: unknown }).code === 'PLT_KFK_USER' &&
    error.message.startsWith('Unknown topic ')
  );
}

export function isOffsetOutOfRange(error: unknown): boolean {
  return hasKafkaError(error, 'OFFSET_OUT_OF_RANGE');
}

/** @platformatic/kafka failures as coded errors: an unknown topic is EY_TOPIC_NOT_FOUND, anything else EY_LOG_UNAVAILABLE. */
export function toLogError(error: unknown, what: string, topic?: string): EventyardError {
  if (isEventyardError(error)) return error;
  if (topic !== undefined && isUnknownTopic(error)) return topicNotFound(topic);
  const message = error instanceof Error ? error.message : String(error);
  return logUnavailable(`${what}: ${message}`, error, topic === undefined ? undefined : { topic });
}
