import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTriggerFilter } from '../../src/filter/compile.ts';
import { createFilterInput } from '../../src/filter/input.ts';
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
