import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FilterResult } from '../../src/filter/types.ts';
import type { SubscriptionsApiFilter } from '../../src/resources/types.ts';
import { evalFilters, input } from './helpers.ts';

/*
 * Empty and degenerate filters, with the verdicts Knative's subscriptions API gives
 * (knative/eventing pkg/eventfilter/subscriptionsapi, create.go + all/any/not_filter.go, and
 * pkg/broker/filter: only FailFilter stops a delivery):
 * - a filter object whose dialect is empty (`{}`, `all: []`, `any: []`, `exact: {}`, `prefix: {}`,
 *   `suffix: {}`, `cesql: ''`) materializes to nothing and is skipped where it stands;
 * - `not: {}` (and `not` of any skipped object) is NoFilter: neither pass nor fail;
 * - `all` fails on a failing filter, otherwise gives its last filter's result;
 * - `any` passes on a passing filter, otherwise gives its last filter's result, so a trailing
 *   NoFilter lets the event through and a leading one does not;
 * - `not` swaps pass and fail and keeps NoFilter.
 */

const at = input(); // type com.example.lead.created, source /crm/webhooks
const YES = { exact: { type: 'com.example.lead.created' } };
const NO = { exact: { type: 'com.example.other' } };

const cases: Array<[string, SubscriptionsApiFilter[], FilterResult]> = [
  ['not: {}', [{ not: {} }], 'match'],
  ['all: []', [{ all: [] }], 'match'],
  ['any: []', [{ any: [] }], 'match'],
  ['exact: {}', [{ exact: {} }], 'match'],
  ['prefix: {}', [{ prefix: {} }], 'match'],
  ['suffix: {}', [{ suffix: {} }], 'match'],
  ['an entry with no dialect', [{}], 'match'],
  ["cesql: ''", [{ cesql: '' }], 'match'],
  ["not: { cesql: '' }", [{ not: { cesql: '' } }], 'match'],
  ["any: a failing filter then cesql: '' (skipped)", [{ any: [NO, { cesql: '' }] }], 'no-match'],
  ["any: a failing filter then not: { cesql: '' }", [{ any: [NO, { not: { cesql: '' } }] }], 'match'],
  ['not: { not: {} }', [{ not: { not: {} } }], 'match'],
  ['not: { all: [] }', [{ not: { all: [] } }], 'match'],
  ['not: { any: [] }', [{ not: { any: [] } }], 'match'],
  ['not: { exact: {} }', [{ not: { exact: {} } }], 'match'],
  ['not: { prefix: {} }', [{ not: { prefix: {} } }], 'match'],
  ['not: { suffix: {} }', [{ not: { suffix: {} } }], 'match'],
  ['all: [{}]', [{ all: [{}] }], 'match'],
  ['any: [{}]', [{ any: [{}] }], 'match'],
  ['not: { all: [{}] }', [{ not: { all: [{}] } }], 'match'],
  ['filters: not: {} then a failing filter', [{ not: {} }, NO], 'no-match'],
  ['filters: a failing filter then not: {}', [NO, { not: {} }], 'no-match'],
  ['filters: a passing filter then not: {}', [YES, { not: {} }], 'match'],
  ['filters: an entry with no dialect then a failing filter', [{}, NO], 'no-match'],
  ['all: a passing filter then not: {}', [{ all: [YES, { not: {} }] }], 'match'],
  ['all: not: {} then a failing filter', [{ all: [{ not: {} }, NO] }], 'no-match'],
  ['any: a failing filter then not: {} (the last result, NoFilter)', [{ any: [NO, { not: {} }] }], 'match'],
  ['any: not: {} then a failing filter (the last result, fail)', [{ any: [{ not: {} }, NO] }], 'no-match'],
  ['any: not: {} then a passing filter', [{ any: [{ not: {} }, YES] }], 'match'],
  ['any: not: {} twice', [{ any: [{ not: {} }, { not: {} }] }], 'match'],
  ['any: a failing filter then an empty all (skipped)', [{ any: [NO, { all: [] }] }], 'no-match'],
  ['any: a failing filter then not: { all: [] }', [{ any: [NO, { not: { all: [] } }] }], 'match'],
  ['not: { any: [fail, not: {}] } (not of NoFilter)', [{ not: { any: [NO, { not: {} }] } }], 'match'],
  ['not: { any: [not: {}, fail] } (not of fail)', [{ not: { any: [{ not: {} }, NO] } }], 'match'],
  ['not: { all: [pass, not: {}] } (not of NoFilter)', [{ not: { all: [YES, { not: {} }] } }], 'match'],
  ['not: { all: [not: {}, pass] } (not of pass)', [{ not: { all: [{ not: {} }, YES] } }], 'no-match'],
  ['not: { all: [pass, {}] } (the skipped object does not count)', [{ not: { all: [YES, {}] } }], 'no-match'],
  ['any: [fail, any: [fail, not: {}]]', [{ any: [NO, { any: [NO, { not: {} }] }] }], 'match'],
];

for (const [name, filters, expected] of cases) {
  test(`Knative verdict for ${name}: ${expected}`, () => {
    assert.equal(evalFilters(filters, at), expected);
  });
}
