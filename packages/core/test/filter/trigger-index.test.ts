import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTriggerFilter } from '../../src/filter/compile.ts';
import { createFilterInput } from '../../src/filter/input.ts';
import { TriggerIndex } from '../../src/filter/trigger-index.ts';
import type { CompiledFilter, FilterInput } from '../../src/filter/types.ts';
import type { SubscriptionsApiFilter, TriggerSpec } from '../../src/resources/types.ts';
import { event } from './helpers.ts';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = ['com.a.created', 'com.a.deleted', 'com.b.created', 'org.c.created'];
const SOURCES = ['/crm', '/erp', '/crm/eu'];
const REGIONS = ['eu', 'us'];
const CELS = [
  "event.type.endsWith('.created')",
  "has(event.region) && event.region == 'eu'",
  'event.data.score > 50', // an error when there is no data or no score
  "event.source.matches('^/crm')",
  "int(event.data.score) % 2 == 0 || event.type == 'com.b.created'",
  "event.type == 'com.a.created' && event.data.score > 50",
  "event['type'] == 'com.a.deleted' && has(event.region) && event.source == '/erp'",
  "'org.c.created' == ce.type",
];

function randomLeaf(r: () => number): SubscriptionsApiFilter {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  switch (Math.floor(r() * 6)) {
    case 0:
      return { exact: { type: pick(TYPES) } };
    case 1:
      return { exact: { source: pick(SOURCES) } };
    case 2:
      return { prefix: { type: pick(['com.', 'com.a', 'org.']) } };
    case 3:
      return { suffix: { source: pick(['/eu', 'rp']) } };
    case 4:
      return { exact: { region: pick(REGIONS) } };
    default:
      return { cel: pick(CELS) };
  }
}

function randomFilter(r: () => number, depth: number): SubscriptionsApiFilter {
  const roll = r();
  if (depth > 1 || roll < 0.55) return randomLeaf(r);
  const list = () => Array.from({ length: Math.floor(r() * 3) }, () => randomFilter(r, depth + 1));
  if (roll < 0.75) return { all: list() };
  if (roll < 0.9) return { any: list() };
  return { not: randomFilter(r, depth + 1) };
}

function randomSpec(r: () => number): Pick<TriggerSpec, 'filter' | 'filters'> {
  const roll = r();
  if (roll < 0.05) return {};
  if (roll < 0.35) {
    const attributes: Record<string, string> = {};
    if (r() < 0.8) attributes.type = TYPES[Math.floor(r() * TYPES.length)] as string;
    if (r() < 0.4) attributes.source = SOURCES[Math.floor(r() * SOURCES.length)] as string;
    if (r() < 0.3) attributes.region = r() < 0.5 ? '' : (REGIONS[Math.floor(r() * 2)] as string);
    return { filter: { attributes } };
  }
  return { filters: Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomFilter(r, 0)) };
}

function randomInput(r: () => number): FilterInput {
  const attributes: Record<string, string> = {
    type: TYPES[Math.floor(r() * TYPES.length)] as string,
    source: SOURCES[Math.floor(r() * SOURCES.length)] as string,
  };
  if (r() < 0.5) attributes.region = REGIONS[Math.floor(r() * 2)] as string;
  const data = r() < 0.6 ? { score: Math.floor(r() * 100) } : undefined;
  return createFilterInput(event(attributes, data));
}

test('the index gives exactly what evaluating every filter gives, in order, on random triggers', () => {
  const r = prng(20240501);
  const entries = Array.from({ length: 3000 }, (_, i) => ({
    value: i,
    filter: compileTriggerFilter(randomSpec(r)),
  }));
  const index = new TriggerIndex(entries);
  assert.equal(index.size, 3000);
  const indexed = entries.filter(
    (e) => e.filter.exactType !== undefined || e.filter.exactSource !== undefined,
  );
  assert.ok(indexed.length > 1000, `a good share of the random triggers is indexed (${indexed.length})`);
  let matches = 0;
  let errors = 0;
  for (let n = 0; n < 300; n++) {
    const at = randomInput(r);
    const expected = entries.filter((e) => e.filter.evaluate(at) === 'match').map((e) => e.value);
    const expectedErrors = entries.filter((e) => e.filter.evaluate(at) === 'error').map((e) => e.value);
    const failed: number[] = [];
    assert.deepEqual(
      index.match(at, (v) => failed.push(v)),
      expected,
      `event ${n}`,
    );
    assert.deepEqual(failed, expectedErrors, `errors of event ${n}`);
    matches += expected.length;
    errors += expectedErrors.length;
  }
  assert.ok(
    matches > 10_000 && errors > 1000,
    `the sample exercises matches (${matches}) and errors (${errors})`,
  );
});

/** A real compiled filter that counts its evaluations. */
function counted(filter: CompiledFilter): CompiledFilter & { calls: number } {
  return {
    calls: 0,
    needsData: filter.needsData,
    exactType: filter.exactType,
    exactSource: filter.exactSource,
    evaluate(input) {
      this.calls++;
      return filter.evaluate(input);
    },
    explain: (input) => filter.explain(input),
  };
}

test('triggers filed under another exact type or source are never evaluated', () => {
  const byType = Array.from({ length: 1000 }, (_, i) =>
    counted(
      compileTriggerFilter({
        filters: [{ exact: { type: `com.example.t${i}` } }, { cel: "event.source != ''" }],
      }),
    ),
  );
  const bySource = Array.from({ length: 100 }, (_, i) =>
    counted(compileTriggerFilter({ filter: { attributes: { source: `/s${i}` } } })),
  );
  const open = Array.from({ length: 10 }, () =>
    counted(compileTriggerFilter({ filters: [{ prefix: { type: 'com.' } }] })),
  );
  const all = [...byType, ...bySource, ...open];
  const index = new TriggerIndex(all.map((filter, value) => ({ value, filter })));
  const matched = index.match(createFilterInput(event({ type: 'com.example.t7', source: '/s3' })));
  assert.deepEqual(matched, [7, 1003, 1100, 1101, 1102, 1103, 1104, 1105, 1106, 1107, 1108, 1109]);
  assert.equal(
    all.reduce((sum, f) => sum + f.calls, 0),
    1 + 1 + 10,
    'one type candidate, one source candidate, the unindexed ones',
  );
  assert.equal(byType[7]?.calls, 1);
  assert.equal(byType[8]?.calls, 0);
});

test('a trigger looked up by its type is evaluated for everything else it requires', () => {
  const specs: Array<Pick<TriggerSpec, 'filter' | 'filters'>> = [
    { filters: [{ exact: { type: 'com.x', source: 'com.x' } }] },
    { filter: { attributes: { type: 'com.x', source: 'com.x' } } },
    { filters: [{ exact: { type: 'com.x' } }, { exact: { subject: 'com.x' } }] },
    { filters: [{ exact: { type: 'com.x' } }] },
    { filter: { attributes: { type: 'com.x' } } },
    { filters: [{ exact: { type: 'com.x' } }, { cel: 'event.data.n > 1' }] },
    { filters: [{ exact: { type: 'com.x' } }, { not: { exact: { type: 'com.x' } } }] },
    {
      filters: [{ cel: "event.type == 'com.x'" }, { exact: { type: 'com.x' } }, { cel: 'event.data.n > 1' }],
    },
    { filter: { attributes: { source: 'com.x' } } },
    { filters: [{ cel: "event.type == 'com.x' && event.data.n > 1" }] },
    { filters: [{ cel: "event.type == 'com.x' && event.type == 'com.y'" }] },
    {
      filters: [
        { cel: "ce['type'] == 'com.x'" },
        { cel: "event.source == 'com.x' && 'com.x' == event.type" },
      ],
    },
  ];
  const entries = specs.map((spec, value) => ({ value, filter: compileTriggerFilter(spec) }));
  const index = new TriggerIndex(entries);
  const cases: Array<[FilterInput, number[], number[]]> = [
    [createFilterInput(event({ type: 'com.x', source: '/s' })), [3, 4], [5, 7, 9]],
    [
      createFilterInput(event({ type: 'com.x', source: 'com.x', subject: 'com.x' }, { n: 2 })),
      [0, 1, 2, 3, 4, 5, 7, 8, 9, 11],
      [],
    ],
    [createFilterInput(event({ type: 'com.y', source: 'com.x' }, { n: 2 })), [8], []],
  ];
  for (const [at, matches, errors] of cases) {
    const failed: number[] = [];
    assert.deepEqual(
      index.match(at, (v) => failed.push(v)),
      matches,
    );
    assert.deepEqual(failed, errors);
    assert.deepEqual(
      entries.filter((e) => e.filter.evaluate(at) === 'match').map((e) => e.value),
      matches,
    );
  }
});

test('explain reports every trigger, including those the index skips', () => {
  const index = new TriggerIndex([
    { value: 'loans', filter: compileTriggerFilter({ filters: [{ exact: { type: 'com.loan' } }] }) },
    { value: 'all', filter: compileTriggerFilter({}) },
    { value: 'vip', filter: compileTriggerFilter({ filters: [{ cel: 'event.data.vip' }] }) },
    { value: 'eu', filter: compileTriggerFilter({ filter: { attributes: { region: '' } } }) },
  ]);
  const at = createFilterInput(event({ type: 'com.lead' }, { vip: false }));
  assert.deepEqual(index.explain(at), [
    {
      value: 'loans',
      result: 'no-match',
      reason: "filters[0].exact.type: expected 'com.loan', got 'com.lead'",
    },
    { value: 'all', result: 'match', reason: undefined },
    { value: 'vip', result: 'no-match', reason: 'filters[0] (cel): evaluated to false' },
    { value: 'eu', result: 'no-match', reason: "filter.attributes.region: missing attribute 'region'" },
  ]);
  assert.equal(index.needsData, true);
});

test('an empty index matches nothing', () => {
  const index = new TriggerIndex<string>([]);
  assert.deepEqual(index.match(createFilterInput(event())), []);
  assert.equal(index.needsData, false);
});
