import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAttributeName, isRfc3339, validateAttributes } from '../../src/event/index.ts';
import { assertRejects } from './helpers.ts';

const valid = (): Record<string, string> => ({
  specversion: '1.0',
  id: 'evt-1',
  source: '/crm/webhooks',
  type: 'com.example.lead.created',
});

test('accepts a minimal event and returns the same object', () => {
  const attrs = valid();
  assert.equal(validateAttributes(attrs), attrs);
});

test('accepts every optional attribute and extensions', () => {
  const attrs = {
    ...valid(),
    datacontenttype: 'application/json',
    dataschema: 'https://schemas.example.com/lead.json',
    subject: 'lead/42',
    time: '2024-05-01T12:00:00.123456Z',
    partitionkey: 'lead-42',
    knativebrokerttl: '255',
    ext1: '',
  };
  assert.deepEqual(validateAttributes({ ...attrs }), attrs);
});

for (const name of ['specversion', 'id', 'source', 'type']) {
  test(`a missing "${name}" is rejected, naming it`, () => {
    const attrs = valid();
    delete attrs[name];
    assertRejects(() => validateAttributes(attrs), {
      attribute: name,
      message: new RegExp(`missing required attribute "${name}"`),
    });
  });
}

for (const name of ['id', 'source', 'type']) {
  test(`an empty "${name}" is rejected, naming it`, () => {
    assertRejects(() => validateAttributes({ ...valid(), [name]: '' }), {
      attribute: name,
      message: new RegExp(`"${name}" must not be empty`),
    });
  });
}

test('specversion other than 1.0 and 0.3 is rejected', () => {
  for (const version of ['2.0', '1.0.2', '0.2', '']) {
    assertRejects(() => validateAttributes({ ...valid(), specversion: version }), {
      attribute: 'specversion',
      message: /unsupported specversion/,
    });
  }
});

test('0.3 is upgraded to 1.0, schemaurl becoming dataschema', () => {
  const attrs = validateAttributes({
    ...valid(),
    specversion: '0.3',
    schemaurl: 'https://example.com/s.json',
  });
  assert.deepEqual(attrs, { ...valid(), dataschema: 'https://example.com/s.json' });
});

test('attribute names use only lower-case letters and digits', () => {
  for (const name of ['Subject', 'my_ext', 'my-ext', 'ext.1', 'é', '']) {
    assertRejects(() => validateAttributes({ ...valid(), [name]: 'x' }), {
      attribute: name,
      message: /invalid attribute name/,
    });
  }
  assert.equal(isAttributeName('1ext'), true);
  assert.equal(isAttributeName('knativebrokerttl'), true);
});

test('"data" cannot be an attribute name', () => {
  assertRejects(() => validateAttributes({ ...valid(), data: 'x' }), {
    attribute: 'data',
    message: /reserved/,
  });
});

test('time must be RFC 3339 with a time zone', () => {
  for (const time of [
    '2024-05-01T12:00:00Z',
    '2024-05-01t12:00:00z',
    '2024-05-01T12:00:00.5+02:00',
    '2024-02-29T00:00:00-11:30',
    '2016-12-31T23:59:60Z',
  ]) {
    assert.doesNotThrow(() => validateAttributes({ ...valid(), time }), time);
  }
  for (const time of [
    'yesterday',
    '2024-05-01',
    '2024-05-01T12:00:00',
    '2024-05-01 12:00:00Z',
    '2024-13-01T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-05-01T24:00:00Z',
    '2024-05-01T12:00:00+2:00',
    '1714564800',
  ]) {
    assertRejects(() => validateAttributes({ ...valid(), time }), {
      attribute: 'time',
      message: /"time" must be an RFC 3339 timestamp/,
    });
  }
  assert.equal(isRfc3339('2000-02-29T00:00:00Z'), true);
  assert.equal(isRfc3339('1900-02-29T00:00:00Z'), false);
});

test('subject, dataschema and datacontenttype must not be empty when present', () => {
  for (const name of ['subject', 'dataschema', 'datacontenttype']) {
    assertRejects(() => validateAttributes({ ...valid(), [name]: '' }), {
      attribute: name,
      message: /must not be empty/,
    });
  }
});

test('source and dataschema accept URI-references without over-rejecting', () => {
  for (const source of [
    '/crm/webhooks',
    'urn:uuid:6e8bc430',
    'https://example.com/a?b=c',
    'crm',
    'mailto:a@b.c',
  ]) {
    assert.doesNotThrow(() => validateAttributes({ ...valid(), source, dataschema: source }), source);
  }
});

test('control characters are rejected in any attribute value', () => {
  assertRejects(() => validateAttributes({ ...valid(), subject: 'line1\nline2' }), {
    attribute: 'subject',
    message: /control character/,
  });
  assertRejects(() => validateAttributes({ ...valid(), myext: 'a\u0085b' }), { attribute: 'myext' });
  assertRejects(() => validateAttributes({ ...valid(), myext: 'lone \ud800 surrogate' }), {
    attribute: 'myext',
  });
});

test('errors carry status 400 and the attribute in details, without an origin suffix', () => {
  assertRejects(() => validateAttributes({ ...valid(), source: '' }), {
    details: { attribute: 'source' },
    message: /^attribute "source" must not be empty$/,
  });
});
