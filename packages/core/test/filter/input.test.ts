import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTriggerFilter } from '../../src/filter/compile.ts';
import { createFilterInput, FILTER_DATA_LIMITS } from '../../src/filter/input.ts';
import { TriggerIndex } from '../../src/filter/trigger-index.ts';
import { event } from './helpers.ts';

test('data is parsed at most once per event, however many triggers read it', (t) => {
  const parse = t.mock.method(JSON, 'parse');
  const entries = Array.from({ length: 50 }, (_, i) => ({
    value: i,
    filter: compileTriggerFilter({ filters: [{ cel: `event.data.score > ${i} && data.ok` }] }),
  }));
  const index = new TriggerIndex(entries);
  const at = createFilterInput(event({}, { score: 25, ok: true }));
  assert.equal(at.dataParsed, false);
  const matched = index.match(at);
  assert.equal(matched.length, 25);
  assert.equal(at.dataParsed, true);
  assert.equal(parse.mock.callCount(), 1);
  index.match(at);
  assert.equal(parse.mock.callCount(), 1, 'a second pass reuses the parse');
});

test('data is not parsed when no filter reads it', (t) => {
  const parse = t.mock.method(JSON, 'parse');
  const index = new TriggerIndex([
    {
      value: 'attrs',
      filter: compileTriggerFilter({ filter: { attributes: { type: 'com.example.lead.created' } } }),
    },
    { value: 'cel', filter: compileTriggerFilter({ filters: [{ cel: "event.source.startsWith('/crm')" }] }) },
    {
      value: 'skipped',
      filter: compileTriggerFilter({ filters: [{ exact: { type: 'other' } }, { cel: 'data.x' }] }),
    },
  ]);
  assert.equal(index.needsData, true);
  const at = createFilterInput(event({}, { x: true }));
  assert.deepEqual(index.match(at), ['attrs', 'cel']);
  assert.equal(at.dataParsed, false);
  assert.equal(parse.mock.callCount(), 0);
});

test('data() and time() parse lazily and cache', () => {
  const at = createFilterInput(event({ time: '2024-05-01T10:00:00Z' }, { a: 1 }));
  assert.deepEqual(at.data(), { a: 1 });
  assert.equal(at.data(), at.data(), 'the same object every time');
  assert.equal(at.time()?.toISOString(), '2024-05-01T10:00:00.000Z');
  assert.equal(at.time(), at.time());
  const none = createFilterInput(event({ datacontenttype: 'text/plain' }, 'plain words'));
  assert.equal(none.data(), undefined);
  assert.equal(none.dataParsed, true);
  assert.equal(none.time(), undefined);
});

test('data nested deeper than the limit is not parsed: filters reading it are errors, the others still match', (t) => {
  const depth = 10_000;
  const deep = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const parse = t.mock.method(JSON, 'parse');
  const errors: string[] = [];
  const index = new TriggerIndex([
    {
      value: 'has',
      filter: compileTriggerFilter({ filters: [{ cel: 'has(event.data.a) && event.data.a != null' }] }),
    },
    {
      value: 'library',
      filter: compileTriggerFilter({ filters: [{ cel: 'size(data) > 0 || data.a.exists(k, k == "a")' }] }),
    },
    {
      value: 'type',
      filter: compileTriggerFilter({ filter: { attributes: { type: 'com.example.lead.created' } } }),
    },
    { value: 'none', filter: compileTriggerFilter({}) },
  ]);
  const at = createFilterInput(event({ datacontenttype: 'application/json' }, deep));
  assert.deepEqual(
    index.match(at, (value) => errors.push(value)),
    ['type', 'none'],
  );
  assert.deepEqual(errors, ['has', 'library']);
  assert.equal(parse.mock.callCount(), 0, 'the hostile data is never parsed');
  const [explained] = index.explain(at);
  assert.match(explained!.reason!, /nests deeper than 64 levels/);
});

test('data at the depth limit is parsed as usual', () => {
  const depth = FILTER_DATA_LIMITS.maxDepth;
  const data = `${'{"a":'.repeat(depth - 1)}{"leaf":true}${'}'.repeat(depth - 1)}`;
  const filter = compileTriggerFilter({ filters: [{ cel: 'has(event.data.a) && event.data.a != null' }] });
  assert.equal(filter.evaluate(createFilterInput(event({}, data))), 'match');
  const deeper = `{"a":${data}}`;
  assert.equal(filter.evaluate(createFilterInput(event({}, deeper))), 'error');
});

test('data larger than the limit is not parsed: an error for filters reading it', (t) => {
  const parse = t.mock.method(JSON, 'parse');
  const big = JSON.stringify({ pad: 'x'.repeat(FILTER_DATA_LIMITS.maxBytes) });
  const filter = compileTriggerFilter({ filters: [{ cel: "event.data.pad != ''" }] });
  const at = createFilterInput(event({}, big));
  assert.equal(filter.evaluate(at), 'error');
  assert.match(filter.explain(at)!, /filters read data of at most 4194304 bytes/);
  assert.equal(parse.mock.callCount(), 0);
});
