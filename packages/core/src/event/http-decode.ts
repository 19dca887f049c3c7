// CloudEvents HTTP protocol binding 1.0.2: an incoming request to events (binary, structured, batched).
import { EventyardError } from '../errors.ts';
import type { CloudEvent } from '../types.ts';
import { decodeBase64, decodeUtf8 } from './bytes.ts';
import { requestContentMode } from './content-type.ts';
import { attributeError, jsonKind, messageError } from './errors.ts';
import { decodeJsonEvent } from './json-format.ts';
import { findBatchDataSpans, findDataSpan } from './json-scan.ts';
import { decodeHeaderValue } from './percent.ts';
import type { AttributeOrigin, HttpHeaders, ParsedRequest } from './types.ts';
import { checkAttributes, invalidNameError, isAttributeName } from './validate.ts';

const BINARY: AttributeOrigin = { mode: 'binary' };
const STRUCTURED: AttributeOrigin = { mode: 'structured' };

/**
 * `ce-` header names (as node hands them over, lower-case) of the attributes most events carry,
 * with their attribute names: valid names, so a request with only these allocates no name.
 */
const KNOWN_HEADERS: ReadonlyMap<string, string> = new Map(
  [
    'specversion',
    'id',
    'source',
    'type',
    'subject',
    'time',
    'dataschema',
    'knativebrokerttl',
    'partitionkey',
    'traceparent',
    'tracestate',
  ].map((name) => [`ce-${name}`, name]),
);

/**
 * Parse a CloudEvents HTTP request into validated events. The content mode follows the
 * Content-Type (§3); every event is validated against CloudEvents 1.0.2, 0.3 events are upgraded.
 * Throws EY_INVALID_EVENT (400) naming the attribute, or EY_UNSUPPORTED_MEDIA_TYPE (415).
 * `rawHeaders` (node's `IncomingMessage.rawHeaders`) lets repeated headers be refused: node joins a
 * repeated `ce-id` into "a, b" and keeps only the first Content-Type, so `headers` cannot show them.
 */
export function parseHttpRequest(
  headers: HttpHeaders,
  body: Uint8Array,
  rawHeaders?: readonly string[],
): ParsedRequest {
  if (rawHeaders !== undefined) checkRepeatedHeaders(headers, rawHeaders);
  const contentType = headers['content-type'];
  if (Array.isArray(contentType)) {
    throw attributeError('the Content-Type header is repeated', 'datacontenttype', BINARY);
  }
  const mode = requestContentMode(contentType);
  if (mode === 'binary') return { mode, events: [parseBinary(headers, contentType, body)] };
  if (mode === 'structured') return { mode, events: [parseStructured(body)] };
  return { mode, events: parseBatch(body) };
}

/** §3.1 binary content mode: attributes from `ce-` headers, datacontenttype from Content-Type, body = data. */
function parseBinary(headers: HttpHeaders, contentType: string | undefined, body: Uint8Array): CloudEvent {
  const attributes: Record<string, string> = {};
  let found = false;
  for (const header in headers) {
    // The attributes every sender uses are looked up; other names are sliced and checked.
    let name = KNOWN_HEADERS.get(header);
    const known = name !== undefined;
    if (name === undefined) {
      // A `ce-` prefix, compared without allocating; node lower-cases names, other callers may not.
      if (
        header.length <= 3 ||
        header.charCodeAt(2) !== 0x2d ||
        (header.charCodeAt(0) | 0x20) !== 0x63 ||
        (header.charCodeAt(1) | 0x20) !== 0x65
      ) {
        continue;
      }
      name = header.slice(3).toLowerCase();
    }
    const raw = headers[header];
    if (raw === undefined) continue;
    if (!known) {
      // §3.1.1: datacontenttype is carried by Content-Type only; a `ce-datacontenttype` header is
      // not part of the binding and is ignored, so it cannot contradict the Content-Type.
      if (name === 'datacontenttype') continue;
      if (!isAttributeName(name)) throw invalidNameError(name, BINARY);
    }
    if (Array.isArray(raw)) {
      throw attributeError(`header ce-${name} is repeated; each attribute must appear once`, name, BINARY);
    }
    const value = decodeHeaderValue(raw);
    if (value === undefined) {
      // HTTP binding §3.1.3.2: invalid UTF-8 after percent-decoding MUST be rejected.
      throw attributeError(`attribute "${name}" is not valid percent-encoded UTF-8`, name, BINARY);
    }
    attributes[name] = value;
    found = true;
  }
  if (!found) {
    throw attributeError(
      'not a CloudEvent: no ce-* headers (binary mode) and the Content-Type is not application/cloudevents+json; ' +
        'missing required attribute "specversion"',
      'specversion',
      BINARY,
    );
  }
  if (contentType !== undefined && contentType !== '') attributes.datacontenttype = contentType;

  let data: Uint8Array | undefined = body.length === 0 ? undefined : body;
  // CloudEvents 0.3: `datacontentencoding: base64` says the body is base64 text of the data.
  if (attributes.specversion === '0.3' && attributes.datacontentencoding !== undefined) {
    if (data !== undefined && attributes.datacontentencoding.toLowerCase() === 'base64') {
      const text = decodeUtf8(data);
      data = text === undefined ? undefined : decodeBase64(text.trim());
      if (data === undefined) {
        throw attributeError('the body is not valid base64', 'datacontentencoding', BINARY);
      }
    }
    delete attributes.datacontentencoding;
  }
  checkAttributes(attributes, BINARY, false);
  return { attributes, data };
}

function parseJsonBody(body: Uint8Array, what: string): unknown {
  if (body.length === 0) throw messageError(`the request body is empty; ${what} needs a JSON body`);
  const text = decodeUtf8(body);
  if (text === undefined) throw messageError('the request body is not valid UTF-8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw messageError(`the request body is not valid JSON: ${(error as Error).message}`, undefined, error);
  }
}

/** §3.2 structured content mode with the JSON event format. */
function parseStructured(body: Uint8Array): CloudEvent {
  const value = parseJsonBody(body, 'structured mode');
  return decodeJsonEvent(value, STRUCTURED, body, findDataSpan(body));
}

/**
 * §3.3 batched content mode with the JSON batch format (JSON format §4): all or nothing; the first
 * invalid event fails the request, named by its index.
 */
function parseBatch(body: Uint8Array): CloudEvent[] {
  const value = parseJsonBody(body, 'batched mode');
  if (!Array.isArray(value)) {
    throw messageError(`a batch must be a JSON array of events, got ${jsonKind(value)}`);
  }
  if (value.length === 0) throw messageError('the batch is empty: send at least one event');
  const spans = findBatchDataSpans(body);
  const events: CloudEvent[] = new Array(value.length);
  for (let index = 0; index < value.length; index++) {
    const origin: AttributeOrigin = { mode: 'structured', path: `events[${index}]`, index };
    events[index] = decodeJsonEvent(value[index], origin, body, spans[index]);
  }
  return events;
}

/** `ce-*` or `content-type`, in any case, compared without allocating. */
function isEventHeader(name: string): boolean {
  if (name.length === 12) return name.toLowerCase() === 'content-type';
  return (
    name.length > 3 &&
    name.charCodeAt(2) === 0x2d &&
    (name.charCodeAt(0) | 0x20) === 0x63 &&
    (name.charCodeAt(1) | 0x20) === 0x65
  );
}

/**
 * HTTP binding §3.1.3: each attribute is one header, and a message has one Content-Type (RFC 9110
 * §5.3: a field that is not a list must not be repeated). Node has already merged repeats, so the
 * raw header names are counted against the merged ones; only a mismatch looks for the culprit.
 */
function checkRepeatedHeaders(headers: HttpHeaders, rawHeaders: readonly string[]): void {
  let raw = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (isEventHeader(rawHeaders[i]!)) raw++;
  let merged = 0;
  for (const name in headers) if (isEventHeader(name)) merged++;
  if (raw === merged) return;
  const seen = new Set<string>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (!isEventHeader(name)) continue;
    const lower = name.toLowerCase();
    if (!seen.has(lower)) {
      seen.add(lower);
      continue;
    }
    const attribute = lower === 'content-type' ? 'datacontenttype' : lower.slice(3);
    throw new EventyardError(
      'EY_INVALID_EVENT',
      lower === 'content-type'
        ? 'header content-type is repeated; a request has exactly one Content-Type'
        : `header ${lower} is repeated; each attribute must appear once`,
      { status: 400, details: { header: lower, attribute } },
    );
  }
}
