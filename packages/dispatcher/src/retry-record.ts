import type { LogRecord } from '@eventyard/core';

/**
 * A waiting retry in the broker's retry topic is the event's record (CloudEvents Kafka binary
 * mode, so any Kafka tool reads it) plus three headers outside the `ce_` namespace.
 */
export const RETRY_TRIGGER_HEADER = 'eyr_trigger';
export const RETRY_ATTEMPT_HEADER = 'eyr_attempt';
export const RETRY_DUE_HEADER = 'eyr_due';
const RETRY_HEADER_PREFIX = 'eyr_';

export interface RetryInfo {
  /** Trigger key, `namespace/name`. */
  trigger: string;
  /** Number of the attempt to make, from 2. */
  attempt: number;
  /** When it is due, epoch ms. */
  due: number;
}

export function toRetryRecord(record: LogRecord, info: RetryInfo): LogRecord {
  const headers: Record<string, string> = {};
  const source = record.headers;
  for (const name in source) if (!name.startsWith(RETRY_HEADER_PREFIX)) headers[name] = source[name]!;
  headers[RETRY_TRIGGER_HEADER] = info.trigger;
  headers[RETRY_ATTEMPT_HEADER] = String(info.attempt);
  headers[RETRY_DUE_HEADER] = String(info.due);
  return { key: record.key, value: record.value, headers };
}

/** The retry headers of a record, or a message saying what is wrong with them. */
export function readRetryInfo(record: LogRecord): RetryInfo | string {
  const trigger = record.headers[RETRY_TRIGGER_HEADER];
  const attempt = Number(record.headers[RETRY_ATTEMPT_HEADER]);
  const due = Number(record.headers[RETRY_DUE_HEADER]);
  if (trigger === undefined || !trigger.includes('/')) {
    return `retry record has no valid ${RETRY_TRIGGER_HEADER} header`;
  }
  if (!Number.isSafeInteger(attempt) || attempt < 1) {
    return `retry record has no valid ${RETRY_ATTEMPT_HEADER} header`;
  }
  if (!Number.isSafeInteger(due) || due < 0) return `retry record has no valid ${RETRY_DUE_HEADER} header`;
  return { trigger, attempt, due };
}
