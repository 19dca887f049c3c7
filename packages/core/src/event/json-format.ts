// CloudEvents JSON event format 1.0.2: one event as a JSON object, both directions.
import type { CloudEvent } from '../types.ts';
import { decodeBase64, decodeUtf8, encodeBase64, encodeUtf8 } from './bytes.ts';
import { isJsonContentType, isTextContentType } from './content-type.ts';
import { attributeError, jsonKind, messageError, show } from './errors.ts';
import type { Span } from './json-scan.ts';
import type { AttributeOrigin } from './types.ts';
import { checkAttributes, invalidNameError, isAttributeName } from './validate.ts';

/** Attributes of type String (1.0.2 §"Context Attributes", and 0.3's): a JSON number or boolean there is a mistake. */
const STRING_ATTRIBUTES: ReadonlySet<string> = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'datacontenttype',
  'dataschema',
  'subject',
  'time',
  'schemaurl',
  'datacontentencoding',
]);

/** Knative declares the loop-guard extension `knativebrokerttl` as an Integer, so it is written as a JSON number. */
const INTEGER_EXTENSION = 'knativebrokerttl';
const INTEGER_TEXT = /^-?\d{1,15}$/;

const STRUCTURED: AttributeOrigin = { mode: 'structured' };

/** How an event's data is written in the JSON format (§3.1 "Handling of data"). */
export type JsonData =
  | { kind: 'none' }
  /** The data is JSON (checked): `text` goes in as the `data` value itself. */
  | { kind: 'json'; text: string; value: unknown }
  /** Textual data: `data` as a JSON string. */
  | { kind: 'text'; text: string }
  /** Anything else, or bytes that are not valid for their content type: `data_base64`. */
  | { kind: 'base64'; text: string };

const NO_DATA: JsonData = { kind: 'none' };

/**
 * Decide how data is written: JSON content types embed the JSON value when the bytes are valid JSON,
 * text types a string when the bytes are valid UTF-8, everything else `data_base64`.
 */
export function jsonData(event: CloudEvent): JsonData {
  const data = event.data;
  if (data === undefined) return NO_DATA;
  const contentType = event.attributes.datacontenttype;
  if (isJsonContentType(contentType)) {
    const text = decodeUtf8(data);
    if (text !== undefined) {
      try {
        const value: unknown = JSON.parse(text);
        // A JSON null reads back as "no data" (§2.4), so bytes spelling `null` go as base64.
        if (value !== null) return { kind: 'json', text, value };
      } catch {
        // not JSON after all: fall through to base64
      }
    }
  } else if (isTextContentType(contentType)) {
    const text = decodeUtf8(data);
    if (text !== undefined) return { kind: 'text', text };
  }
  return { kind: 'base64', text: encodeBase64(data) };
}

/** Attributes as JSON members: all strings, except `knativebrokerttl` as a number when it is an integer. */
export function attributesToJson(attributes: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name in attributes) {
    const value = attributes[name]!;
    out[name] = name === INTEGER_EXTENSION && INTEGER_TEXT.test(value) ? Number(value) : value;
  }
  return out;
}

/**
 * The event as a JSON format object. JSON data is parsed into the `data` member (integers beyond
 * 2^53 lose precision there; `toHttpStructured` keeps the original text).
 */
export function toJsonFormat(event: CloudEvent): Record<string, unknown> {
  const out = attributesToJson(event.attributes);
  const data = jsonData(event);
  if (data.kind === 'json') out.data = data.value;
  else if (data.kind === 'text') out.data = data.text;
  else if (data.kind === 'base64') out.data_base64 = data.text;
  return out;
}

/**
 * A CloudEvent from a JSON format object (e.g. from JSON.parse), validated. `path` names the object
 * in error messages, e.g. `events[3]` gives `events[3].source`.
 */
export function fromJsonFormat(value: unknown, path?: string): CloudEvent {
  return decodeJsonEvent(
    value,
    path === undefined ? STRUCTURED : { mode: 'structured', path },
    undefined,
    undefined,
  );
}

/**
 * Decode one JSON event. When the object was parsed from `source` and `dataSpan` locates its
 * `data` value there, JSON data is taken as those exact bytes instead of being serialised again.
 */
export function decodeJsonEvent(
  value: unknown,
  origin: AttributeOrigin,
  source: Uint8Array | undefined,
  dataSpan: Span | undefined,
): CloudEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = origin.path ?? 'a structured event';
    throw messageError(`${what} must be a JSON object, got ${jsonKind(value)}`, pathDetails(origin));
  }
  const object = value as Record<string, unknown>;
  const attributes: Record<string, string> = {};
  let data: unknown;
  let dataBase64: unknown;
  for (const name in object) {
    const member = object[name];
    if (name === 'data') {
      data = member;
      continue;
    }
    if (name === 'data_base64') {
      dataBase64 = member;
      continue;
    }
    // JSON format 1.0.2 §2.4: a null attribute is the same as an absent one.
    if (member === null || member === undefined) continue;
    if (!isAttributeName(name)) throw invalidNameError(name, origin);
    switch (typeof member) {
      case 'string':
        attributes[name] = member;
        break;
      case 'boolean':
        if (STRING_ATTRIBUTES.has(name)) throw notAString(name, member, origin);
        attributes[name] = member ? 'true' : 'false';
        break;
      case 'number':
        if (STRING_ATTRIBUTES.has(name)) throw notAString(name, member, origin);
        // §"Type System": Integer is the only numeric attribute type.
        if (!Number.isSafeInteger(member)) {
          throw attributeError(`attribute "${name}" must be an integer, got ${member}`, name, origin);
        }
        attributes[name] = String(member);
        break;
      default:
        throw attributeError(
          `attribute "${name}" must be a string, an integer or a boolean, got ${jsonKind(member)}`,
          name,
          origin,
        );
    }
  }

  // CloudEvents 0.3 JSON format: `datacontentencoding: base64` means `data` holds base64 text.
  let dataIsBase64 = false;
  if (attributes.specversion === '0.3' && attributes.datacontentencoding !== undefined) {
    dataIsBase64 = attributes.datacontentencoding.toLowerCase() === 'base64';
    delete attributes.datacontentencoding;
  }
  checkAttributes(attributes, origin, false);
  return {
    attributes,
    data: decodeData(attributes, data, dataBase64, dataIsBase64, origin, source, dataSpan),
  };
}

function decodeData(
  attributes: Record<string, string>,
  data: unknown,
  dataBase64: unknown,
  dataIsBase64: boolean,
  origin: AttributeOrigin,
  source: Uint8Array | undefined,
  dataSpan: Span | undefined,
): Uint8Array | undefined {
  const hasData = data !== undefined && data !== null;
  const hasBase64 = dataBase64 !== undefined && dataBase64 !== null;
  if (hasData && hasBase64) {
    throw attributeError('the event has both "data" and "data_base64"; send only one', 'data_base64', origin);
  }
  if (hasBase64) return base64Bytes(dataBase64, 'data_base64', origin);
  if (!hasData) return undefined;
  if (dataIsBase64) return base64Bytes(data, 'data', origin);
  // §3.1: a JSON content type means `data` is the JSON value itself (a JSON string stays quoted);
  // otherwise a string `data` is the text of the payload.
  if (typeof data === 'string' && !isJsonContentType(attributes.datacontenttype)) return encodeUtf8(data);
  if (source !== undefined && dataSpan !== undefined) return source.subarray(dataSpan.start, dataSpan.end);
  return encodeUtf8(JSON.stringify(data));
}

function base64Bytes(value: unknown, member: string, origin: AttributeOrigin): Uint8Array {
  if (typeof value !== 'string') {
    throw attributeError(`"${member}" must be a base64 string, got ${jsonKind(value)}`, member, origin);
  }
  const bytes = decodeBase64(value);
  if (bytes === undefined) throw attributeError(`"${member}" is not valid base64`, member, origin);
  return bytes;
}

function notAString(name: string, value: unknown, origin: AttributeOrigin) {
  return attributeError(
    `attribute "${name}" must be a JSON string, got ${jsonKind(value)} ${show(String(value))}`,
    name,
    origin,
  );
}

function pathDetails(origin: AttributeOrigin): Record<string, unknown> | undefined {
  if (origin.path === undefined) return undefined;
  return origin.index === undefined ? { path: origin.path } : { path: origin.path, index: origin.index };
}
