/**
 * Log records to and from Kafka records. CloudEvents travel in Kafka binary content mode
 * (CloudEvents Kafka protocol binding §3.2): `ce_*` headers plus `content-type`, the data as the
 * value; header values are UTF-8 strings on the wire.
 */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { invalidArgument } from '../errors.ts';
import type { LogRecord, StoredRecord } from '../types.ts';

/** A kafkajs message whose `partition` the partitioner fills in (see producer.ts). */
export interface OutgoingMessage extends Message {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  partition: number | undefined;
}

export function toMessage(record: LogRecord): OutgoingMessage {
  const key = record.key;
  if (key !== null && typeof key !== 'string') {
    throw invalidArgument(`a record key must be a string or null, got ${typeof key}`);
  }
  return { key, value: toBuffer(record.value), headers: record.headers, partition: undefined };
}

/** Bytes a message adds to a produce request, roughly (value, key and headers). */
export function messageSize(message: OutgoingMessage): number {
  let size = 64 + (message.value?.byteLength ?? 0) + (message.key?.length ?? 0);
  for (const name in message.headers) size += name.length + (message.headers[name]?.length ?? 0);
  return size;
}

/** kafkajs encodes Buffers; a Uint8Array is wrapped without copying its bytes. */
function toBuffer(value: Uint8Array | null): Buffer | null {
  if (value === null || Buffer.isBuffer(value)) return value;
  if (!(value instanceof Uint8Array)) {
    throw invalidArgument(`a record value must be a Uint8Array or null, got ${typeof value}`);
  }
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

export function toStoredRecord(topic: string, partition: number, message: KafkaMessage): StoredRecord {
  return {
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value,
    headers: decodeHeaders(message.headers),
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
  };
}

/** Header values as strings; a name that repeats keeps its last value (Kafka's `lastHeader`). */
function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  for (const name in headers) {
    const value = headers[name];
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = typeof last === 'string' ? last : last.toString('utf8');
  }
  return out;
}
