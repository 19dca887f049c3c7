/** The log's coded errors, shared by every implementation so callers see the same codes. */
import { EventyardError } from '@eventyard/core';

/** The log cannot persist or read now (disk, permissions, broker down): 503, worth retrying. */
export function logUnavailable(
  message: string,
  cause?: unknown,
  details?: Record<string, unknown>,
): EventyardError {
  return new EventyardError('EY_LOG_UNAVAILABLE', message, { status: 503, retriable: true, cause, details });
}

/** An operation on a log (or consumer) after its `close()`. */
export function logClosed(what = 'the event log'): EventyardError {
  return new EventyardError('EY_LOG_CLOSED', `${what} is closed`, { status: 503 });
}

export function topicNotFound(topic: string): EventyardError {
  return new EventyardError('EY_TOPIC_NOT_FOUND', `topic "${topic}" does not exist`, {
    status: 404,
    details: { topic },
  });
}

export function partitionNotFound(topic: string, partition: number, partitions: number): EventyardError {
  return new EventyardError(
    'EY_TOPIC_NOT_FOUND',
    `topic "${topic}" has no partition ${partition} (it has ${partitions})`,
    { status: 404, details: { topic, partition, partitions } },
  );
}

/** A second consumer for a group and topic, or a reset of offsets while a consumer is live. */
export function groupActive(group: string, topic: string, action: string): EventyardError {
  return new EventyardError(
    'EY_GROUP_ACTIVE',
    `cannot ${action}: group "${group}" has a live consumer on topic "${topic}"`,
    { status: 409, details: { group, topic } },
  );
}

/** Bad arguments from the caller (a programming or configuration error, not worth retrying). */
export function invalidArgument(message: string, details?: Record<string, unknown>): EventyardError {
  return new EventyardError('EY_INVALID_CONFIG', message, { status: 400, details });
}
