import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isJsonContentType,
  isTextContentType,
  mediaType,
  requestContentMode,
} from '../../src/event/index.ts';
import { assertRejects } from './helpers.ts';

test('mediaType drops parameters and lower-cases', () => {
  assert.equal(mediaType('Application/CloudEvents+JSON ; charset=UTF-8'), 'application/cloudevents+json');
  assert.equal(mediaType('text/plain'), 'text/plain');
});

test('content mode follows the media type, case-insensitive, parameters ignored', () => {
  assert.equal(requestContentMode(undefined), 'binary');
  assert.equal(requestContentMode('application/json'), 'binary');
  assert.equal(requestContentMode('text/plain; charset=utf-8'), 'binary');
  assert.equal(requestContentMode('application/cloudevents+json'), 'structured');
  assert.equal(requestContentMode('APPLICATION/CLOUDEVENTS+JSON; charset=utf-8'), 'structured');
  assert.equal(requestContentMode('application/cloudevents-batch+json'), 'batch');
  assert.equal(requestContentMode('Application/CloudEvents-Batch+Json;charset=UTF-8'), 'batch');
  // Not an event format: just some content type, so binary mode.
  assert.equal(requestContentMode('application/cloudeventsish'), 'binary');
});

test('other CloudEvents event formats are refused with 415', () => {
  for (const type of [
    'application/cloudevents+xml',
    'application/cloudevents+avro',
    'application/cloudevents+protobuf; charset=utf-8',
    'application/cloudevents-batch+xml',
  ]) {
    assertRejects(() => requestContentMode(type), {
      code: 'EY_UNSUPPORTED_MEDIA_TYPE',
      status: 415,
      message: /unsupported event format/,
    });
  }
});

test('isJsonContentType: absent, application/json, text/json and +json suffixes', () => {
  assert.equal(isJsonContentType(undefined), true);
  assert.equal(isJsonContentType('application/json'), true);
  assert.equal(isJsonContentType('Application/JSON; charset=utf-8'), true);
  assert.equal(isJsonContentType('text/json'), true);
  assert.equal(isJsonContentType('application/vnd.api+json'), true);
  assert.equal(isJsonContentType('application/cloudevents+json'), true);
  assert.equal(isJsonContentType('text/plain'), false);
  assert.equal(isJsonContentType('application/octet-stream'), false);
  assert.equal(isJsonContentType('application/jsonx'), false);
});

test('isTextContentType: text/*, xml and +xml', () => {
  assert.equal(isTextContentType('text/plain; charset=utf-8'), true);
  assert.equal(isTextContentType('TEXT/CSV'), true);
  assert.equal(isTextContentType('application/xml'), true);
  assert.equal(isTextContentType('application/atom+xml'), true);
  assert.equal(isTextContentType('application/json'), false);
  assert.equal(isTextContentType('application/octet-stream'), false);
  assert.equal(isTextContentType(undefined), false);
});
