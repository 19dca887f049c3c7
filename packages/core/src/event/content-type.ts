import { EventyardError } from '../errors.ts';
import type { ContentMode } from './types.ts';

const STRUCTURED_JSON = 'application/cloudevents+json';
const BATCH_JSON = 'application/cloudevents-batch+json';
const CLOUDEVENTS_PREFIX = 'application/cloudevents';
/** Any other CloudEvents event format, e.g. `application/cloudevents+xml` or `+avro`. */
const FORMAT_PREFIX = 'application/cloudevents+';
const BATCH_FORMAT_PREFIX = 'application/cloudevents-batch+';

/** The media type of a Content-Type value: parameters (charset, ...) dropped, lower-cased (RFC 7231 §3.1.1.1). */
export function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * True when data of this content type is JSON: `application/json`, `text/json` or any `+json`
 * suffix (RFC 6839). An absent content type counts as JSON (JSON event format 1.0.2 §3.1: "If the
 * datacontenttype is unspecified, processing SHOULD proceed as if it was set to application/json").
 */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType === '' || contentType === 'application/json') return true;
  const type = mediaType(contentType);
  return type === 'application/json' || type === 'text/json' || type.endsWith('+json');
}

/** True for textual, non-JSON content (text/*, application/xml, +xml): carried as a JSON string in structured mode. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = mediaType(contentType);
  return type.startsWith('text/') || type === 'application/xml' || type.endsWith('+xml');
}

/**
 * The content mode of an HTTP request from its Content-Type (HTTP binding 1.0.2 §3): the
 * CloudEvents JSON format and its batch form are structured and batched mode, any other event
 * format (`application/cloudevents+X`) is refused with 415, and everything else is binary mode.
 */
export function requestContentMode(contentType: string | undefined): ContentMode {
  // Most binary-mode requests carry plain JSON: answer without allocating.
  if (contentType === undefined || contentType === 'application/json') return 'binary';
  const type = mediaType(contentType);
  if (!type.startsWith(CLOUDEVENTS_PREFIX)) return 'binary';
  if (type === STRUCTURED_JSON) return 'structured';
  if (type === BATCH_JSON) return 'batch';
  if (type.startsWith(FORMAT_PREFIX) || type.startsWith(BATCH_FORMAT_PREFIX)) {
    throw new EventyardError(
      'EY_UNSUPPORTED_MEDIA_TYPE',
      `unsupported event format "${type}": send ${STRUCTURED_JSON}, ${BATCH_JSON}, or binary mode (ce-* headers)`,
      { status: 415, details: { contentType: type } },
    );
  }
  return 'binary';
}
