import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTriggerFilter } from '../../src/filter/compile.ts';
import { evalFilters, input } from './helpers.ts';

const typeIs = (type: string) => ({ exact: { type } });
const MISSING_FIELD = { cel: 'event.data.missing == 1' }; // evaluation error on events without data
const at = input();

test('filters: every entry must match (all semantics)', () => {
  assert.equal(
    evalFilters([typeIs('com.example.lead.created'), { prefix: { source: '/crm' } }], at),
    'match',
  );
  assert.equal(
    evalFilters([typeIs('com.example.lead.created'), { prefix: { source: '/erp' } }], at),
    'no-match',
  );
});

test('all, any and not combine their filters', () => {
  assert.equal(
    evalFilters([{ all: [typeIs('com.example.lead.created'), { suffix: { source: 'hooks' } }] }], at),
    'match',
  );
  assert.equal(
    evalFilters([{ all: [typeIs('com.example.lead.created'), { suffix: { source: 'x' } }] }], at),
    'no-match',
  );
  assert.equal(evalFilters([{ any: [typeIs('a'), typeIs('com.example.lead.created')] }], at), 'match');
  assert.equal(evalFilters([{ any: [typeIs('a'), typeIs('b')] }], at), 'no-match');
  assert.equal(evalFilters([{ not: typeIs('a') }], at), 'match');
  assert.equal(evalFilters([{ not: typeIs('com.example.lead.created') }], at), 'no-match');
  assert.equal(evalFilters([{ not: { any: [typeIs('a'), { not: typeIs('b') }] } }], at), 'no-match');
});

test('empty all / any and objects without a dialect are skipped, as Knative does (the event passes)', () => {
  assert.equal(evalFilters([{ all: [] }], at), 'match');
  assert.equal(evalFilters([{ any: [] }], at), 'match');
  assert.equal(evalFilters([{}], at), 'match');
  assert.equal(evalFilters([{ exact: {} }], at), 'match');
  assert.equal(evalFilters([{ cel: '' }], at), 'match');
  assert.equal(evalFilters([{}, typeIs('a')], at), 'no-match');
});

test('not keeps "no filter" (NoFilter), so not of an empty filter still lets the event through', () => {
  assert.equal(evalFilters([{ not: {} }], at), 'match');
  assert.equal(evalFilters([{ not: { any: [{ not: {} }] } }], at), 'match');
  // A skipped object inside all does not count: not(all[exact]) is not(exact).
  assert.equal(evalFilters([{ not: { all: [typeIs('com.example.lead.created'), {}] } }], at), 'no-match');
});

test('non-empty filters win over filter; empty filters fall back to filter', () => {
  const spec = { filter: { attributes: { type: 'a' } }, filters: [typeIs('com.example.lead.created')] };
  assert.equal(compileTriggerFilter(spec).evaluate(at), 'match');
  assert.equal(compileTriggerFilter({ ...spec, filters: [] }).evaluate(at), 'no-match');
});

test('an evaluation error yields to a decisive result: a fail in all, a pass in any', () => {
  assert.equal(evalFilters([MISSING_FIELD, typeIs('other')], at), 'no-match');
  assert.equal(evalFilters([typeIs('other'), MISSING_FIELD], at), 'no-match');
  assert.equal(evalFilters([MISSING_FIELD, typeIs('com.example.lead.created')], at), 'error');
  assert.equal(evalFilters([{ any: [MISSING_FIELD, typeIs('com.example.lead.created')] }], at), 'match');
  assert.equal(evalFilters([{ any: [MISSING_FIELD, typeIs('other')] }], at), 'error');
  assert.equal(evalFilters([{ not: MISSING_FIELD }], at), 'error', 'not does not turn an error into a match');
});

test('explain names the first failing filter with its path', () => {
  const f = compileTriggerFilter({
    filters: [
      { prefix: { type: 'com.' } },
      { all: [{ suffix: { source: 'hooks' } }, typeIs('com.example.lead.updated')] },
    ],
  });
  assert.equal(
    f.explain(at),
    "filters[1].all[1].exact.type: expected 'com.example.lead.updated', got 'com.example.lead.created'",
  );
  const any = compileTriggerFilter({ filters: [{ any: [typeIs('a'), MISSING_FIELD] }] });
  assert.equal(
    any.explain(at),
    "filters[0] (any): no alternative matched: filters[0].any[0].exact.type: expected 'a', got 'com.example.lead.created'; " +
      'filters[0].any[1] (cel): evaluation error: No such key: data',
  );
  const not = compileTriggerFilter({ filters: [{ not: typeIs('com.example.lead.created') }] });
  assert.equal(not.explain(at), 'filters[0] (not): the negated filter matched');
  const error = compileTriggerFilter({ filters: [MISSING_FIELD, typeIs('com.example.lead.created')] });
  assert.equal(error.explain(at), 'filters[0] (cel): evaluation error: No such key: data');
});

test('exact type and source constraints are found at the top level and inside all, not elsewhere', () => {
  const f = compileTriggerFilter({
    filters: [{ prefix: { type: 'com.' } }, { all: [{ exact: { source: '/crm' } }, { all: [typeIs('t')] }] }],
  });
  assert.equal(f.exactType, 't');
  assert.equal(f.exactSource, '/crm');
  const g = compileTriggerFilter({
    filters: [{ any: [typeIs('t')] }, { not: { exact: { source: '/crm' } } }],
  });
  assert.equal(g.exactType, undefined);
  assert.equal(g.exactSource, undefined);
});
