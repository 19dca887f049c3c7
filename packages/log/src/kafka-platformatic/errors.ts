/** @platformatic/kafka failures as the log's coded errors. */
import { type EventyardError, isEventyardError } from '@eventyard/core';
import { logUnavailable, topicNotFound } from '../errors.ts';

/** True when some error in the chain (cause, or an aggregate's errors) is Kafka's UNKNOWN_TOPIC_OR_PARTITION. */
export function isUnknownTopic(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 8) return false;
  if ((error as Error & { apiId?: unknown }).apiId === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
  const nested = (error as Error & { errors?: unknown }).errors;
  if (Array.isArray(nested) && nested.some((e) => isUnknownTopic(e, depth + 1))) return true;
  return isUnknownTopic(error.cause, depth + 1);
}

/** As kafka/errors.ts `toLogError`: an unknown topic is EY_TOPIC_NOT_FOUND, anything else EY_LOG_UNAVAILABLE. */
export function toLogError(error: unknown, what: string, topic?: string): EventyardError {
  if (isEventyardError(error)) return error;
  if (topic !== undefined && isUnknownTopic(error)) return topicNotFound(topic);
  const message = error instanceof Error ? error.message : String(error);
  return logUnavailable(`${what}: ${message}`, error, topic === undefined ? undefined : { topic });
}
