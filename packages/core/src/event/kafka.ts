// CloudEvents Kafka protocol binding 1.0.2: an event as a Kafka record and back.
import type { CloudEvent, LogRecord } from '../types.ts';
import { decodeUtf8 } from './bytes.ts';
import { mediaType } from './content-type.ts';
import { messageError } from './errors.ts';
import { decodeJsonEvent } from './json-format.ts';
import { findDataSpan } from './json-scan.ts';
import type { AttributeOrigin } from './types.ts';
import { checkAttributes, invalidNameError, isAttributeName } from './validate.ts';

const KAFKA: AttributeOrigin = { mode: 'kafka' };
const STRUCTURED: AttributeOrigin = { mode: 'structured' };
const STRUCTURED_JSON = 'application/cloudevents+json';

/** Header names of the attributes every event has, built once (§3.2.3.2: `ce_` + attribute name). */
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
  ].map((name) => [name, `ce_${name}`]),
);

/**
 * §3.2 binary content mode: each attribute as a `ce_` header (UTF-8, no percent-encoding in Kafka),
 * datacontenttype as `content-type` (§3.2.1), the data as the value (null when there is none), and
 * the `partitionkey` extension as the key (§3.1 "Key Mapping"; it stays a header as well).
 */
export function toLogRecord(event: CloudEvent): LogRecord {
  const headers: Record<string, string> = {};
  const attributes = event.attributes;
  for (const name in attributes) {
    const value = attributes[name]!;
    if (name === 'datacontenttype') headers['content-type'] = value;
    else headers[KNOWN_HEADERS.get(name) ?? `ce_${name}`] = value;
  }
  return { key: attributes.partitionkey ?? null, value: event.data ?? null, headers };
}

/**
 * The event in a Kafka record: binary content mode (§3.2, any record with a `ce_specversion`
 * header), or structured content mode (§3.3, no `ce_specversion` and `content-type:
 * application/cloudevents+json`, the value is the JSON event) as other tools may write.
 * Validated like an HTTP request; throws EY_INVALID_EVENT.
 */
export function fromLogRecord(record: LogRecord): CloudEvent {
  const headers = record.headers;
  let contentType: string | undefined;
  let attributes: Record<string, string> | undefined;
  for (const header in headers) {
    const value = headers[header];
    // Some writers (the CloudEvents JS SDK) leave unset attributes as undefined headers.
    if (value === undefined) continue;
    if (header.startsWith('ce_')) {
      const name = header.slice(3);
      // Like HTTP, datacontenttype travels only as content-type (§3.2.1).
      if (name === 'datacontenttype') continue;
      if (!isAttributeName(name)) throw invalidNameError(name, KAFKA);
      attributes ??= {};
      attributes[name] = value;
    } else if (
      header === 'content-type' ||
      (header.length === 12 && header.toLowerCase() === 'content-type')
    ) {
      contentType = value;
    }
  }

  // Kafka binding §3.2 / §3.3: a `ce_specversion` header makes the record binary mode whatever its
  // content-type, so an event whose datacontenttype is itself a CloudEvents media type (an event
  // carrying an event) is read as binary; only a record without it may be structured.
  if (
    attributes?.specversion === undefined &&
    contentType !== undefined &&
    mediaType(contentType) === STRUCTURED_JSON
  ) {
    const value = record.value;
    if (value === null || value.length === 0) {
      throw messageError('structured-mode record has no value; it should hold the JSON event');
    }
    const text = decodeUtf8(value);
    if (text === undefined) throw messageError('structured-mode record value is not valid UTF-8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw messageError(
        `structured-mode record value is not valid JSON: ${(error as Error).message}`,
        undefined,
        error,
      );
    }
    return decodeJsonEvent(json, STRUCTURED, value, findDataSpan(value));
  }

  if (attributes === undefined) {
    throw messageError(
      'not a CloudEvent record: no ce_* headers and content-type is not application/cloudevents+json',
    );
  }
  if (contentType !== undefined && contentType !== '') attributes.datacontenttype = contentType;
  checkAttributes(attributes, KAFKA, false);
  const value = record.value;
  return { attributes, data: value === null || value.length === 0 ? undefined : value };
}
