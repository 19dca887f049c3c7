// HTTP binding 1.0.2 §3.1.3.2 "HTTP Header Values": attribute values travel percent-encoded UTF-8.

/** `%XX` (upper-case hex, as the section recommends) for every byte value. */
const PERCENT_BYTE: readonly string[] = Array.from(
  { length: 256 },
  (_, byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Room for the UTF-8 form of one character while encoding. */
const scratch = new Uint8Array(4);

/** Space, double-quote, percent, and anything outside printable ASCII U+0021-U+007E must be encoded. */
function mustEncode(code: number): boolean {
  return code <= 0x20 || code >= 0x7f || code === 0x22 || code === 0x25;
}

/** Percent-encode one attribute value for an HTTP header (§3.1.3.2). Values that need nothing are returned as they are. */
export function encodeHeaderValue(value: string): string {
  const length = value.length;
  let i = 0;
  while (i < length && !mustEncode(value.charCodeAt(i))) i++;
  if (i === length) return value;

  let out = value.slice(0, i);
  for (; i < length; i++) {
    const code = value.charCodeAt(i);
    if (!mustEncode(code)) {
      out += value[i];
      continue;
    }
    if (code < 0x80) {
      out += PERCENT_BYTE[code];
      continue;
    }
    // §3.1.3.2: a surrogate pair is one character, encoded as its 4-byte UTF-8 form.
    const point = value.codePointAt(i)!;
    if (point > 0xffff) i++;
    const end = writeUtf8(scratch, 0, point);
    for (let b = 0; b < end; b++) out += PERCENT_BYTE[scratch[b]!];
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Decode one header value into the attribute's string (§3.1.3.2): first undo an RFC 7230 §3.2.6
 * quoted-string (older senders quoted values with spaces), then one round of percent-decoding,
 * and the bytes must be valid UTF-8 (overlong forms such as `%C0%A0` are rejected); a `%` not
 * followed by two hex digits is taken literally. Returns undefined when the value is not valid.
 *
 * Node hands header values over as latin1, one char per byte, so a char U+0080-U+00FF is a raw
 * byte a lenient sender (e.g. `curl -H 'ce-subject: café'`) put on the wire: it is decoded as
 * UTF-8 like an escaped byte.
 */
export function decodeHeaderValue(value: string): string | undefined {
  const length = value.length;
  let i = 0;
  if (length === 0 || value.charCodeAt(0) !== 0x22) {
    // Fast path: most values hold nothing to decode, and are returned without allocating.
    while (i < length) {
      const code = value.charCodeAt(i);
      if (code === 0x25 || code >= 0x80) break;
      i++;
    }
    if (i === length) return value;
  }

  const quoted = length >= 2 && value.charCodeAt(0) === 0x22 && value.charCodeAt(length - 1) === 0x22;
  const text = quoted ? unquote(value) : value;

  // At most 3 bytes per UTF-16 unit (a surrogate pair, 2 units, is 4 bytes).
  const bytes = new Uint8Array(text.length * 3);
  let n = 0;
  for (let k = 0; k < text.length; k++) {
    const code = text.charCodeAt(k);
    if (code === 0x25) {
      const high = k + 2 < text.length ? hexValue(text.charCodeAt(k + 1)) : -1;
      const low = high === -1 ? -1 : hexValue(text.charCodeAt(k + 2));
      if (low === -1) {
        // A "%" that starts no escape is kept as it is, as Knative's broker (sdk-go) does: sdk-go
        // senders put values such as "50% off" on the wire unescaped (cloudevents/sdk-go#1331).
        bytes[n++] = 0x25;
        continue;
      }
      bytes[n++] = (high << 4) | low;
      k += 2;
    } else if (code < 0x100) {
      bytes[n++] = code;
    } else {
      // Not from the wire (node gives latin1), but a caller may pass real text: keep it as UTF-8.
      const point = text.codePointAt(k)!;
      if (point > 0xffff) k++;
      n = writeUtf8(bytes, n, point);
    }
  }
  try {
    return strictUtf8.decode(bytes.subarray(0, n));
  } catch {
    return undefined;
  }
}

/** Write the UTF-8 form of a code point >= U+0080 at `at`; returns the next position. */
function writeUtf8(bytes: Uint8Array, at: number, codePoint: number): number {
  // A lone surrogate has no UTF-8 form.
  const point = codePoint >= 0xd800 && codePoint <= 0xdfff ? 0xfffd : codePoint;
  let n = at;
  if (point < 0x800) {
    bytes[n++] = 0xc0 | (point >> 6);
  } else if (point < 0x10000) {
    bytes[n++] = 0xe0 | (point >> 12);
    bytes[n++] = 0x80 | ((point >> 6) & 0x3f);
  } else {
    bytes[n++] = 0xf0 | (point >> 18);
    bytes[n++] = 0x80 | ((point >> 12) & 0x3f);
    bytes[n++] = 0x80 | ((point >> 6) & 0x3f);
  }
  bytes[n++] = 0x80 | (point & 0x3f);
  return n;
}

/** RFC 7230 §3.2.6 quoted-string: strip the quotes and resolve backslash escapes. */
function unquote(value: string): string {
  let out = '';
  for (let i = 1; i < value.length - 1; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x5c && i + 1 < value.length - 1) i++;
    out += value[i];
  }
  return out;
}
