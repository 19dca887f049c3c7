// Finds where the top-level "data" member's value sits in JSON bytes that JSON.parse already accepted.
//
// Structured-mode JSON data is kept as the exact bytes the producer sent (JSON event format 1.0.2
// §3.1: the data is the JSON value). Slicing them out is cheaper than JSON.stringify of the parsed
// value and keeps what a re-serialisation would lose: integers beyond 2^53, number spelling, key
// order of duplicate members. Structural characters are ASCII and never occur inside a multi-byte
// UTF-8 sequence, so scanning bytes is safe.

/** Byte range [start, end) of a JSON value. */
export interface Span {
  start: number;
  end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

function skipWhitespace(bytes: Uint8Array, at: number): number {
  let i = at;
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** `at` is on the opening quote; returns the position after the closing quote. */
function skipString(bytes: Uint8Array, at: number): number {
  let i = at + 1;
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i + 1;
    else i++;
  }
  return i;
}

/** `at` is on the first byte of a value; returns the position after it. */
function skipValue(bytes: Uint8Array, at: number): number {
  const first = bytes[at];
  if (first === QUOTE) return skipString(bytes, at);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    let i = at;
    while (i < bytes.length) {
      const c = bytes[i]!;
      if (c === QUOTE) {
        i = skipString(bytes, i);
        continue;
      }
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
      i++;
      if (depth === 0) return i;
    }
    return i;
  }
  // number, true, false, null
  let i = at;
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (
      c === COMMA ||
      c === CLOSE_OBJECT ||
      c === CLOSE_ARRAY ||
      c === 0x20 ||
      c === 0x0a ||
      c === 0x0d ||
      c === 0x09
    ) {
      break;
    }
    i++;
  }
  return i;
}

/** True when the key string at [start, end) (quotes included) is exactly "data". */
function isDataKey(bytes: Uint8Array, start: number, end: number): boolean {
  return (
    end - start === 6 &&
    bytes[start + 1] === 0x64 &&
    bytes[start + 2] === 0x61 &&
    bytes[start + 3] === 0x74 &&
    bytes[start + 4] === 0x61
  );
}

function hasEscape(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] === BACKSLASH) return true;
  return false;
}

/**
 * `at` is on "{". Returns the end of the object and the span of its last "data" member (JSON.parse
 * keeps the last of duplicate members); the span is undefined when there is none, or when an escaped
 * key (which might spell "data") makes the answer uncertain.
 */
function scanObject(bytes: Uint8Array, at: number): { end: number; data: Span | undefined } | undefined {
  let data: Span | undefined;
  let uncertain = false;
  let i = skipWhitespace(bytes, at + 1);
  if (bytes[i] === CLOSE_OBJECT) return { end: i + 1, data };
  while (i < bytes.length) {
    if (bytes[i] !== QUOTE) return undefined;
    const keyEnd = skipString(bytes, i);
    const isData = isDataKey(bytes, i, keyEnd);
    if (!uncertain && hasEscape(bytes, i, keyEnd)) uncertain = true;
    i = skipWhitespace(bytes, keyEnd);
    if (bytes[i] !== COLON) return undefined;
    const start = skipWhitespace(bytes, i + 1);
    const end = skipValue(bytes, start);
    if (isData) data = { start, end };
    i = skipWhitespace(bytes, end);
    if (bytes[i] === CLOSE_OBJECT) return { end: i + 1, data: uncertain ? undefined : data };
    if (bytes[i] !== COMMA) return undefined;
    i = skipWhitespace(bytes, i + 1);
  }
  return undefined;
}

/** Skip a UTF-8 byte order mark and whitespace. */
function skipPreamble(bytes: Uint8Array): number {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return skipWhitespace(bytes, bom);
}

/** Span of the "data" value of the JSON object in `bytes`, or undefined. */
export function findDataSpan(bytes: Uint8Array): Span | undefined {
  const at = skipPreamble(bytes);
  if (bytes[at] !== OPEN_OBJECT) return undefined;
  return scanObject(bytes, at)?.data;
}

/** For a JSON array of objects: the span of each element's "data" value (undefined where none). */
export function findBatchDataSpans(bytes: Uint8Array): Array<Span | undefined> {
  const spans: Array<Span | undefined> = [];
  let i = skipPreamble(bytes);
  if (bytes[i] !== OPEN_ARRAY) return spans;
  i = skipWhitespace(bytes, i + 1);
  while (i < bytes.length && bytes[i] !== CLOSE_ARRAY) {
    if (bytes[i] === OPEN_OBJECT) {
      const object = scanObject(bytes, i);
      if (object === undefined) return spans;
      spans.push(object.data);
      i = object.end;
    } else {
      spans.push(undefined);
      i = skipValue(bytes, i);
    }
    i = skipWhitespace(bytes, i);
    if (bytes[i] === COMMA) i = skipWhitespace(bytes, i + 1);
  }
  return spans;
}

/**
 * True when the JSON text in `bytes` nests objects and arrays deeper than `maxDepth`. One pass over
 * the bytes, no allocation: it runs before a filter parses an event's data, so that a hostile
 * payload nested thousands deep is refused before anything recursive walks the parsed value.
 */
export function nestsDeeperThan(bytes: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      i = skipString(bytes, i) - 1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}
