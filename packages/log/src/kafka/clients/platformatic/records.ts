/**
 * Record batches as @platformatic/kafka's Fetch returns them, to log records. Keys and header
 * values are UTF-8 strings on the wire (CloudEvents Kafka binding §3.2, binary content mode).
 */
import type { RecordsBatch } from '@platformatic/kafka';
import type { StoredRecord } from '../../../types.ts';

/** Record batch attribute bit of control batches (transaction markers), which hold no records of ours. */
const IS_CONTROL = 0x20;

/**
 * Appends to `out` the records of `batches` at or after offset `from`, up to `max` records in
 * `out`; returns the offset after the last record looked at (where the next fetch starts).
 */
export function collectRecords(
  topic: string,
  partition: number,
  batches: readonly RecordsBatch[],
  from: number,
  out: StoredRecord[],
  max = Number.POSITIVE_INFINITY,
): number {
  let next = from;
  for (const batch of batches) {
    const base = Number(batch.firstOffset);
    if ((batch.attributes & IS_CONTROL) !== 0) {
      next = Math.max(next, base + batch.lastOffsetDelta + 1);
      continue;
    }
    const timestamp = Number(batch.firstTimestamp);
    const records = batch.records;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const offset = base + record.offsetDelta;
      // A fetch returns whole record batches, so the first may begin before `from`.
      if (offset < from) continue;
      if (out.length >= max) return next;
      out.push({
        key: record.key === null ? null : record.key.toString('utf8'),
        value: record.value,
        headers: decodeHeaders(record.headers),
        topic,
        partition,
        offset,
        timestamp: timestamp + Number(record.timestampDelta),
      });
      next = offset + 1;
    }
    if (out.length < max) next = Math.max(next, base + batch.lastOffsetDelta + 1);
  }
  return next;
}

/** Header values as strings; a name that repeats keeps its last value (Kafka's `lastHeader`). */
function decodeHeaders(headers: Array<[Buffer | null, Buffer | null]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i]!;
    if (name === null || value === null) continue;
    out[name.toString('utf8')] = value.toString('utf8');
  }
  return out;
}
