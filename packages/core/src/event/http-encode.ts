// CloudEvents HTTP protocol binding 1.0.2: an event to an outgoing message (binary or structured).
import type { CloudEvent } from '../types.ts';
import { encodeUtf8 } from './bytes.ts';
import { attributesToJson, jsonData } from './json-format.ts';
import { encodeHeaderValue } from './percent.ts';
import type { HttpMessage } from './types.ts';

/** §3.2.1 with the JSON format's media type. */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

/** Header names of the attributes every event has, built once (§3.1.3.1: `ce-` + attribute name). */
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
  ].map((name) => [name, `ce-${name}`]),
);

/**
 * §3.1 binary content mode: each attribute as a `ce-` header, percent-encoded where §3.1.3.2 requires;
 * datacontenttype as Content-Type (§3.1.1); data as the body.
 */
export function toHttpBinary(event: CloudEvent): HttpMessage {
  const headers: Record<string, string> = {};
  const attributes = event.attributes;
  for (const name in attributes) {
    const value = attributes[name]!;
    if (name === 'datacontenttype') headers['content-type'] = value;
    else headers[KNOWN_HEADERS.get(name) ?? `ce-${name}`] = encodeHeaderValue(value);
  }
  return { headers, body: event.data };
}

/**
 * §3.2 structured content mode with the JSON event format. JSON data is embedded as the very text
 * it arrived as (no re-serialisation, so large integers and number spelling survive); text data as
 * a string; anything else as `data_base64`.
 */
export function toHttpStructured(event: CloudEvent): HttpMessage & { body: Uint8Array } {
  const data = jsonData(event);
  const members = attributesToJson(event.attributes);
  if (data.kind === 'text') members.data = data.text;
  else if (data.kind === 'base64') members.data_base64 = data.text;
  let json = JSON.stringify(members);
  if (data.kind === 'json') {
    // Splice the checked JSON text in as the `data` member's value.
    json = `${json.slice(0, -1)}${json.length > 2 ? ',' : ''}"data":${data.text}}`;
  }
  return { headers: { 'content-type': STRUCTURED_CONTENT_TYPE }, body: encodeUtf8(json) };
}
