import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromLogRecord, toHttpStructured, toLogRecord } from '../../src/event/index.ts';
import type { CloudEvent } from '../../src/types.ts';
import { assertRejects, text, utf8 } from './helpers.ts';

const base = { specversion: '1.0', id: 'evt-1', source: '/crm/webhooks', type: 'com.example.lead.created' };

test('toLogRecord: ce_ headers, content-type, value = data, no key without partitionkey', () => {
  const data = utf8('{"a":1}');
  const record = toLogRecord({
    attributes: { ...base, datacontenttype: 'application/json', subject: 'café ☕' },
    data,
  });
  assert.deepEqual(record.headers, {
    ce_specversion: '1.0',
    ce_id: 'evt-1',
    ce_source: '/crm/webhooks',
    ce_type: 'com.example.lead.created',
    ce_subject: 'café ☕', // Kafka headers are bytes: UTF-8, no percent-encoding
    'content-type': 'application/json',
  });
  assert.equal(record.value, data);
  assert.equal(record.key, null);
});

test('toLogRecord: partitionkey is the key and stays a header; no data is a null value', () => {
  const record = toLogRecord({ attributes: { ...base, partitionkey: 'lead-42' }, data: undefined });
  assert.equal(record.key, 'lead-42');
  assert.equal(record.headers.ce_partitionkey, 'lead-42');
  assert.equal(record.value, null);
});

test('binary record round trip', () => {
  for (const event of [
    {
      attributes: { ...base, datacontenttype: 'text/plain', subject: 'ünï "%"', knativebrokerttl: '255' },
      data: utf8('x'),
    },
    { attributes: { ...base, partitionkey: 'k' }, data: undefined },
    {
      attributes: { ...base, datacontenttype: 'application/octet-stream' },
      data: new Uint8Array([0, 1, 255]),
    },
  ] satisfies CloudEvent[]) {
    const back = fromLogRecord(toLogRecord(event));
    assert.deepEqual(back.attributes, event.attributes);
    assert.deepEqual(back.data && [...back.data], event.data && [...event.data]);
  }
});

test('fromLogRecord reads a structured-mode record', () => {
  const event: CloudEvent = {
    attributes: { ...base, datacontenttype: 'application/json' },
    data: utf8('{"n": 1}'),
  };
  const structured = toHttpStructured(event);
  const back = fromLogRecord({
    key: null,
    value: structured.body,
    headers: { 'content-type': structured.headers['content-type']! },
  });
  assert.deepEqual(back.attributes, event.attributes);
  assert.equal(text(back.data), '{"n": 1}');

  const written = fromLogRecord({
    key: 'k',
    value: utf8(JSON.stringify({ ...base, data_base64: 'AQI=' })),
    headers: { 'Content-Type': 'application/cloudevents+json' },
  });
  assert.deepEqual([...written.data!], [1, 2]);
});

test('a record with ce_specversion is binary mode whatever its content-type (Kafka binding §3.2)', () => {
  for (const type of [
    'application/cloudevents+json',
    'application/cloudevents+json; charset=utf-8',
    'application/cloudevents-batch+json',
    'application/cloudevents+avro',
  ]) {
    for (const data of [undefined, utf8(JSON.stringify({ ...base, id: 'inner' }))]) {
      const event: CloudEvent = { attributes: { ...base, datacontenttype: type }, data };
      const back = fromLogRecord(toLogRecord(event));
      assert.deepEqual(back.attributes, event.attributes, type);
      assert.deepEqual(back.data && [...back.data], data && [...data], type);
    }
  }
});

test('fromLogRecord ignores unrelated headers and accepts 0.3', () => {
  const back = fromLogRecord({
    key: null,
    value: null,
    headers: {
      ce_specversion: '0.3',
      ce_id: '1',
      ce_source: '/s',
      ce_type: 't',
      traceparent: '00-abc',
      ce_schemaurl: 'https://x',
    },
  });
  assert.deepEqual(back.attributes, {
    specversion: '1.0',
    id: '1',
    source: '/s',
    type: 't',
    dataschema: 'https://x',
  });
});

test('invalid records are EY_INVALID_EVENT naming the header', () => {
  assertRejects(
    () =>
      fromLogRecord({ key: null, value: null, headers: { ce_specversion: '1.0', ce_id: '1', ce_type: 't' } }),
    {
      attribute: 'source',
      message: /missing required attribute "source" \(record header ce_source\)/,
    },
  );
  assertRejects(
    () => fromLogRecord({ key: null, value: null, headers: { ...prefixed(base), ce_Bad: 'x' } }),
    {
      attribute: 'Bad',
    },
  );
  assertRejects(() => fromLogRecord({ key: null, value: utf8('x'), headers: {} }), {
    message: /not a CloudEvent record/,
  });
  assertRejects(
    () =>
      fromLogRecord({
        key: null,
        value: utf8('{'),
        headers: { 'content-type': 'application/cloudevents+json' },
      }),
    { message: /not valid JSON/ },
  );
  assertRejects(
    () =>
      fromLogRecord({ key: null, value: null, headers: { 'content-type': 'application/cloudevents+json' } }),
    { message: /has no value/ },
  );
});

function prefixed(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [`ce_${name}`, value]));
}
