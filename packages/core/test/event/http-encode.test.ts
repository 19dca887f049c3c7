import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHttpRequest, toHttpBinary, toHttpStructured } from '../../src/event/index.ts';
import type { CloudEvent } from '../../src/types.ts';
import { text, utf8 } from './helpers.ts';

const event = (attributes: Record<string, string>, data?: Uint8Array | string): CloudEvent => ({
  attributes: {
    specversion: '1.0',
    id: 'evt-1',
    source: '/crm/webhooks',
    type: 'com.example.lead.created',
    ...attributes,
  },
  data: typeof data === 'string' ? utf8(data) : data,
});

const structuredJson = (e: CloudEvent): Record<string, unknown> =>
  JSON.parse(text(toHttpStructured(e).body)!);

test('binary: ce- headers, content-type from datacontenttype, data as body', () => {
  const body = utf8('{"a":1}');
  const message = toHttpBinary(event({ datacontenttype: 'application/json', tenant: 'acme' }, body));
  assert.deepEqual(message.headers, {
    'ce-specversion': '1.0',
    'ce-id': 'evt-1',
    'ce-source': '/crm/webhooks',
    'ce-type': 'com.example.lead.created',
    'ce-tenant': 'acme',
    'content-type': 'application/json',
  });
  assert.equal(message.body, body);
});

test('binary: values are percent-encoded where §3.1.3.2 requires', () => {
  const { headers } = toHttpBinary(event({ subject: 'Euro € 😀', note: 'say "100%"' }));
  assert.equal(headers['ce-subject'], 'Euro%20%E2%82%AC%20%F0%9F%98%80');
  assert.equal(headers['ce-note'], 'say%20%22100%25%22');
  assert.equal(headers['ce-source'], '/crm/webhooks');
});

test('binary: no data gives no body', () => {
  assert.equal(toHttpBinary(event({})).body, undefined);
});

test('binary round trip through the parser, including non-ASCII values', () => {
  const original = event(
    { datacontenttype: 'text/plain; charset=utf-8', subject: 'café ☕ 100% "x"', myext: '日本' },
    'payload',
  );
  const { headers, body } = toHttpBinary(original);
  const { events } = parseHttpRequest(headers, body!);
  assert.deepEqual(events[0]!.attributes, original.attributes);
  assert.equal(text(events[0]!.data), 'payload');
});

test('structured: content type and the JSON event format', () => {
  const message = toHttpStructured(event({ datacontenttype: 'application/json' }, '{"name":"Ada"}'));
  assert.deepEqual(message.headers, { 'content-type': 'application/cloudevents+json; charset=utf-8' });
  assert.deepEqual(JSON.parse(text(message.body)!), {
    specversion: '1.0',
    id: 'evt-1',
    source: '/crm/webhooks',
    type: 'com.example.lead.created',
    datacontenttype: 'application/json',
    data: { name: 'Ada' },
  });
});

test('structured: JSON data is embedded as sent, large integers included', () => {
  const message = toHttpStructured(event({}, '{"id": 12345678901234567890}'));
  assert.match(text(message.body)!, /"data":\{"id": 12345678901234567890\}\}$/);
  const { events } = parseHttpRequest(message.headers, message.body);
  assert.equal(text(events[0]!.data), '{"id": 12345678901234567890}');
});

test('structured: JSON content type with bytes that are not JSON goes as data_base64', () => {
  const json = structuredJson(event({ datacontenttype: 'application/json' }, 'not json'));
  assert.equal(json.data, undefined);
  assert.equal(json.data_base64, Buffer.from('not json').toString('base64'));
});

test('structured: text types as a string, binary as data_base64', () => {
  assert.equal(structuredJson(event({ datacontenttype: 'text/plain' }, 'héllo')).data, 'héllo');
  assert.equal(structuredJson(event({ datacontenttype: 'application/xml' }, '<a/>')).data, '<a/>');
  assert.equal(structuredJson(event({ datacontenttype: 'application/atom+xml' }, '<feed/>')).data, '<feed/>');
  const invalidText = structuredJson(event({ datacontenttype: 'text/plain' }, new Uint8Array([0xff, 0xfe])));
  assert.equal(invalidText.data_base64, '//4=');
  const binary = structuredJson(
    event({ datacontenttype: 'application/octet-stream' }, new Uint8Array([1, 2, 3])),
  );
  assert.equal(binary.data_base64, 'AQID');
  assert.equal(binary.data, undefined);
});

test('structured: knativebrokerttl is a JSON number, every other attribute a string', () => {
  const json = structuredJson(event({ knativebrokerttl: '255', priority: '3' }));
  assert.equal(json.knativebrokerttl, 255);
  assert.equal(json.priority, '3');
  assert.equal(structuredJson(event({ knativebrokerttl: 'abc' })).knativebrokerttl, 'abc');
});

test('structured: no data gives no data member', () => {
  const json = structuredJson(event({}));
  assert.equal('data' in json, false);
  assert.equal('data_base64' in json, false);
});

test('structured round trip through the parser keeps attributes and bytes', () => {
  for (const original of [
    event({ datacontenttype: 'application/json' }, '"a JSON string"'),
    event({}, '[1, {"b": null}]'),
    event({ datacontenttype: 'text/csv', subject: 'ünïcödé' }, 'a,b\n1,2\n'),
    event({ datacontenttype: 'application/octet-stream' }, new Uint8Array([0, 255, 10])),
    event({ datacontenttype: 'application/json' }, 'null'),
    event({ knativebrokerttl: '254' }),
  ]) {
    const message = toHttpStructured(original);
    const { events } = parseHttpRequest(message.headers, message.body);
    assert.deepEqual(events[0]!.attributes, original.attributes);
    assert.deepEqual(events[0]!.data && [...events[0]!.data], original.data && [...original.data]);
  }
});
