import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromJsonFormat, toJsonFormat } from '../../src/event/index.ts';
import { assertRejects, jsonEvent, text, utf8 } from './helpers.ts';

test('toJsonFormat gives attributes and the parsed JSON data', () => {
  const json = toJsonFormat({
    attributes: { specversion: '1.0', id: '1', source: '/s', type: 't', knativebrokerttl: '10' },
    data: utf8('{"n":1}'),
  });
  assert.deepEqual(json, {
    specversion: '1.0',
    id: '1',
    source: '/s',
    type: 't',
    knativebrokerttl: 10,
    data: { n: 1 },
  });
});

test('fromJsonFormat validates and turns data into bytes', () => {
  const event = fromJsonFormat(jsonEvent({ data: { n: 1 }, count: 3 }));
  assert.equal(event.attributes.count, '3');
  assert.equal(text(event.data), '{"n":1}');
});

test('fromJsonFormat names the attribute under the given path', () => {
  assertRejects(() => fromJsonFormat(jsonEvent({ type: undefined }), 'reply'), {
    attribute: 'type',
    message: /missing required attribute "type" \(at reply\.type\)/,
    details: { path: 'reply.type' },
  });
  assertRejects(() => fromJsonFormat('x', 'reply'), { message: /reply must be a JSON object, got string/ });
  assertRejects(() => fromJsonFormat(null), { message: /must be a JSON object, got null/ });
});

test('toJsonFormat and fromJsonFormat round-trip', () => {
  const original = {
    attributes: {
      specversion: '1.0',
      id: '1',
      source: '/s',
      type: 't',
      datacontenttype: 'image/png',
      flag: 'true',
    },
    data: new Uint8Array([137, 80, 78, 71]),
  };
  const json = toJsonFormat(original);
  assert.equal(json.data_base64, 'iVBORw==');
  const back = fromJsonFormat(JSON.parse(JSON.stringify(json)));
  assert.deepEqual(back.attributes, original.attributes);
  assert.deepEqual([...back.data!], [...original.data]);
});
