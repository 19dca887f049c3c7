/**
 * Kafka records (as kafkajs fetches them) to log records. CloudEvents travel in Kafka binary content mode
 * (CloudEvents Kafka protocol binding §3.2): `ce_*` headers plus `content-type`, the data as the
 * value; header values are UTF-8 strings on the wire.
 */
import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { StoredRecord } from '../../../types.ts';

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
