import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SubscriptionsApiFilter } from '../../src/resources/types.ts';
import { assertInvalid } from './helpers.ts';

test('an empty attribute name is invalid, with the path of the map', () => {
  assertInvalid(
    { filters: [{ exact: { '': 'x' } }] },
    '/spec/filters/0/exact/',
    /filters\[0\]\.exact has an empty attribute name/,
  );
  assertInvalid({ filter: { attributes: { '': 'x' } } }, '/spec/filter/attributes/', /empty attribute name/);
});

test('attribute names follow Knative: lowercase letters and digits, starting with a letter', () => {
  assertInvalid(
    { filters: [{ prefix: { Type: 'x' } }] },
    '/spec/filters/0/prefix/Type',
    /'Type' is not a valid attribute name/,
  );
  assertInvalid(
    { filter: { attributes: { '1x': 'y' } } },
    '/spec/filter/attributes/1x',
    /not a valid attribute name/,
  );
  assertInvalid(
    { filters: [{ suffix: { 'a/b': 'y' } }] },
    '/spec/filters/0/suffix/a~1b',
    /not a valid attribute name/,
  );
});

test('exact, prefix and suffix values must be non-empty strings', () => {
  assertInvalid(
    { filters: [{ exact: { type: '' } }] },
    '/spec/filters/0/exact/type',
    /filters\[0\]\.exact\.type is empty/,
  );
  assertInvalid({ filters: [{ prefix: { type: '' } }] }, '/spec/filters/0/prefix/type', /is empty/);
  const numeric = { exact: { priority: 5 } } as unknown as SubscriptionsApiFilter;
  assertInvalid({ filters: [numeric] }, '/spec/filters/0/exact/priority', /must be a string/);
});

test('one dialect per filter object', () => {
  assertInvalid(
    { filters: [{ exact: { type: 'a' } }, { exact: { type: 'a' }, cel: 'true' }] },
    '/spec/filters/1',
    /filters\[1\] sets exact and cel: a filter object takes exactly one dialect/,
  );
  assertInvalid(
    { filters: [{ all: [{ prefix: { type: 'a' }, not: { exact: { type: 'b' } } }] }] },
    '/spec/filters/0/all/0',
    /filters\[0\]\.all\[0\] sets prefix and not/,
  );
});

test('unknown dialects are invalid', () => {
  assertInvalid(
    { filters: [{ regex: { type: 'a.*' } }] },
    '/spec/filters/0/regex',
    /unknown filter dialect 'regex'/,
  );
});

test('nested filters are validated with their full path', () => {
  assertInvalid(
    { filters: [{ any: [{ exact: { type: 'a' } }, { not: { all: [{ suffix: { type: '' } }] } }] }] },
    '/spec/filters/0/any/1/not/all/0/suffix/type',
    /filters\[0\]\.any\[1\]\.not\.all\[0\]\.suffix\.type is empty/,
  );
});

test('malformed shapes are reported, not crashed on', () => {
  const bad = (value: unknown) => value as SubscriptionsApiFilter;
  assertInvalid({ filters: [bad('type=x')] }, '/spec/filters/0', /must be a filter object/);
  assertInvalid(
    { filters: [bad({ all: { exact: { type: 'a' } } })] },
    '/spec/filters/0/all',
    /must be a list of filters/,
  );
  assertInvalid({ filters: [bad({ exact: ['type'] })] }, '/spec/filters/0/exact', /must be a map/);
  assertInvalid({ filters: [bad({ cel: 42 })] }, '/spec/filters/0/cel', /must be a string/);
  assertInvalid(
    { filters: bad({ exact: {} }) as unknown as SubscriptionsApiFilter[] },
    '/spec/filters',
    /must be a list/,
  );
});

test('a CEL error carries the line and column of the problem', () => {
  const details = assertInvalid(
    { filters: [{ exact: { type: 'a' } }, { cel: "event.type == 'a' &&\n  event.source ==" }] },
    '/spec/filters/1/cel',
    /filters\[1\]\.cel: .* \(line 2, column 18\)$/,
  );
  assert.deepEqual(details.position, { line: 2, column: 18, offset: 38 });
});
