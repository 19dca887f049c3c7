import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonData } from '../../src/event/index.ts';
import { assertRejects, utf8 } from './helpers.ts';

const attrs = { specversion: '1.0', id: '1', source: '/s', type: 't' };

test('JSON data (or no content type) is parsed', () => {
  assert.deepEqual(parseJsonData({ attributes: attrs, data: utf8('{"intent":"loan","score":80}') }), {
    intent: 'loan',
    score: 80,
  });
  assert.deepEqual(
    parseJsonData({
      attributes: { ...attrs, datacontenttype: 'application/cloudevents+json' },
      data: utf8('[1]'),
    }),
    [1],
  );
});

test('no data is undefined', () => {
  assert.equal(parseJsonData({ attributes: attrs, data: undefined }), undefined);
});

test('text data is a string, other data stays bytes', () => {
  assert.equal(
    parseJsonData({ attributes: { ...attrs, datacontenttype: 'text/plain' }, data: utf8('hi') }),
    'hi',
  );
  const bytes = new Uint8Array([1, 2]);
  assert.equal(
    parseJsonData({ attributes: { ...attrs, datacontenttype: 'application/octet-stream' }, data: bytes }),
    bytes,
  );
});

test('data declared JSON that is not JSON is EY_INVALID_EVENT', () => {
  assertRejects(
    () => parseJsonData({ attributes: { ...attrs, datacontenttype: 'application/json' }, data: utf8('{') }),
    {
      attribute: 'data',
      message: /data is not valid JSON \(datacontenttype application\/json\)/,
    },
  );
  assertRejects(() => parseJsonData({ attributes: attrs, data: new Uint8Array([0xff]) }), {
    attribute: 'data',
  });
});
