/** How a record is laid out in a row: key as UTF-8 bytes, value as a blob, headers as JSON text. */
import type { StoredRecord } from '../types.ts';

// ignoreBOM keeps a leading U+FEFF in a key instead of silently dropping it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

/** Headers as JSON, or null for none (most records of other producers carry some; ours always do). */
export function encodeHeaders(headers: Record<string, string>): string | null {
  for (const _ in headers) return JSON.stringify(headers);
  return null;
}

/** Bytes a record counts for `retentionBytes`: key, value and encoded headers. */
export function recordSize(key: Uint8Array | null, value: Uint8Array | null, headers: string | null): number {
  return (key?.byteLength ?? 0) + (value?.byteLength ?? 0) + (headers === null ? 0 : utf8Length(headers));
}

function utf8Length(text: string): number {
  // ASCII is the common case for header JSON: its length is its byte count.
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return encoder.encode(text).byteLength;
  }
  return text.length;
}

/** Column order of `readRecords`: record_offset, timestamp, key, value, headers, size. */
export function decodeRow(row: unknown[], topic: string, partition: number): StoredRecord {
  const key = row[2] as Uint8Array | null;
  const headers = row[4] as string | null;
  return {
    topic,
    partition,
    offset: row[0] as number,
    timestamp: row[1] as number,
    key: key === null ? null : decoder.decode(key),
    value: row[3] as Uint8Array | null,
    headers: headers === null ? {} : (JSON.parse(headers) as Record<string, string>),
  };
}
