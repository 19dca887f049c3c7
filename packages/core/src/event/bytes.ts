// Byte <-> text conversions shared by the codecs, with one hoisted encoder/decoder each.

/** Strict UTF-8: invalid sequences (overlong forms included) throw instead of becoming U+FFFD. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** Base64 per RFC 4648 §4, padding optional (some encoders omit it). */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The text of UTF-8 bytes, or undefined when they are not valid UTF-8. A leading BOM is dropped. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function encodeUtf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Bytes of a base64 string, or undefined when it is not base64 (Buffer alone would skip bad characters). */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (padding > 0 ? text.length % 4 !== 0 : text.length % 4 === 1) return undefined;
  return Buffer.from(text, 'base64');
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
