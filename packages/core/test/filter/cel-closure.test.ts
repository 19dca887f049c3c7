import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CelNode, compileCel } from '../../src/filter/cel.ts';
import { compileTriggerFilter } from '../../src/filter/compile.ts';
import { createFilterInput } from '../../src/filter/input.ts';
import { ERROR, FAIL, type Outcome, PASS } from '../../src/filter/node.ts';
import { TriggerIndex } from '../../src/filter/trigger-index.ts';
import type { FilterInput } from '../../src/filter/types.ts';
import type { CloudEvent } from '../../src/types.ts';

/*
 * Differential test of the compiled closures (filter/cel-closure.ts) against cel-js, the
 * reference: every generated expression is evaluated against every event both ways, and the
 * closure's verdict (when it does not defer to cel-js) must be cel-js's, error for error.
 */

function celNode(expression: string): CelNode | undefined {
  let node: unknown;
  try {
    node = compileCel(expression, 'filters[0]', '/spec/filters/0/cel');
  } catch {
    return undefined; // does not type-check: rejected when the trigger loads, never evaluated
  }
  assert.ok(node instanceof CelNode);
  return node;
}

const NAMES: Record<Outcome, string> = { [PASS]: 'true', [FAIL]: 'false', [ERROR]: 'error', 2: 'none' };

// JSON.parse reads 1e400 as Infinity; JSON.stringify cannot write it, so a marker stands in.
const INFINITY = '<infinity>';
const json = (value: unknown) =>
  JSON.stringify(value).replaceAll(`"${INFINITY}"`, '1e400').replaceAll(`"-${INFINITY}"`, '-1e400');

// Values of every JSON type, and the edges where cel-js's rules bite: integral doubles against
// int literals, strings int() accepts or rejects, objects with a "constructor" key.
const VALUES: Array<[string, unknown]> = [
  ['string a', 'a'],
  ['empty string', ''],
  ['string abc', 'abc'],
  ['string 5', '5'],
  ['string " 5"', ' 5'],
  ['string 0X1F', '0X1F'],
  ['string 0x1F', '0x1F'],
  ['double 5', 5],
  ['double 5.5', 5.5],
  ['double -5', -5],
  ['double 0', 0],
  ['double 1e300', 1e300],
  ['double 2^63', 2 ** 63],
  ['double 2^53 + 2', 2 ** 53 + 2],
  ['double 1e400 (infinity)', INFINITY],
  ['double -1e400 (-infinity)', `-${INFINITY}`],
  ['true', true],
  ['false', false],
  ['null', null],
  ['empty list', []],
  ['list a,5', ['a', 5]],
  ['list 5', [5]],
  ['list null', [null]],
  ['nested list', [[1]]],
  ['empty map', {}],
  ['map k:v', { k: 'v' }],
  ['map "5":1', { '5': 1 }],
  ['map a:null', { a: null }],
  ['map with constructor key', { constructor: 1, k: 'v' }],
  ['list of a map with constructor key', [{ constructor: 'x' }]],
  ['list null then such a map', [null, { constructor: 'x' }]],
];

function cloudEvent(attributes: Record<string, string>, data: string | undefined): CloudEvent {
  return {
    attributes: {
      specversion: '1.0',
      id: 'e-1',
      source: '/test',
      type: 'com.example.t',
      datacontenttype: 'application/json',
      ...attributes,
    },
    data: data === undefined ? undefined : Buffer.from(data),
  };
}

interface Case {
  name: string;
  input: () => FilterInput;
}

/** Events whose data field `v` (and `w`, the next value) runs through VALUES, and a few odd ones. */
function events(): Case[] {
  const cases: Case[] = [];
  VALUES.forEach(([name, value], i) => {
    const w = (VALUES[(i + 7) % VALUES.length] as [string, unknown])[1];
    const data = json({ v: value, w, s: 'abc', b: i % 2 === 0, m: { k: value }, l: [value] });
    cases.push({
      name: `data.v = ${name}`,
      input: () => createFilterInput(cloudEvent({ subject: 'a' }, data)),
    });
  });
  cases.push(
    { name: 'no data', input: () => createFilterInput(cloudEvent({ subject: 'abc' }, undefined)) },
    { name: 'data not JSON', input: () => createFilterInput(cloudEvent({}, '{"v": ')) },
    {
      name: 'data not JSON by content type',
      input: () => createFilterInput(cloudEvent({ datacontenttype: 'text/plain' }, '{"v":1}')),
    },
    { name: 'data is a string', input: () => createFilterInput(cloudEvent({ subject: '5' }, '"a"')) },
    { name: 'data is a number', input: () => createFilterInput(cloudEvent({}, '5')) },
    { name: 'data is null', input: () => createFilterInput(cloudEvent({}, 'null')) },
    { name: 'data is a list', input: () => createFilterInput(cloudEvent({}, '["a", 5]')) },
    {
      name: 'data has a constructor key',
      input: () => createFilterInput(cloudEvent({}, '{"constructor": "x", "v": "a"}')),
    },
    {
      name: 'data has a __proto__ key',
      input: () => createFilterInput(cloudEvent({}, '{"__proto__": {"v": 1}, "v": "a"}')),
    },
    {
      name: 'extensions',
      input: () => createFilterInput(cloudEvent({ subject: 'abc', priority: '7', region: '' }, '{"v": "7"}')),
    },
  );
  return cases;
}

// Operands: data fields, attributes, and what makes them errors (absent keys, fields of non-maps).
const OPERANDS = [
  'event.data.v',
  'data.v',
  "event.data['v']",
  'event.data.w',
  'event.data.m.k',
  'event.data.l[0]',
  'event.data.l[1]',
  'event.data.l[0].k',
  'data.m.k',
  'event.data.v[0]',
  "ce.data['m'].k",
  'event.data.missing',
  'event.data.v.k',
  'event.data.v.missing',
  'event.subject',
  "event['priority']",
  'ce.region',
  'event.missing',
  'data',
];
const LITERALS = [
  "'a'",
  "''",
  "'5'",
  '5',
  '-5',
  '5.0',
  '5.5',
  '-5.5',
  '0',
  '9007199254740994', // 2^53 + 2: beyond the doubles that hold every int
  'true',
  'false',
  'null',
];
const EQUALITY = ['==', '!='];
const RELATIONS = ['<', '<=', '>', '>='];

function expressions(): string[] {
  const out: string[] = [];
  for (const operand of OPERANDS) {
    for (const op of [...EQUALITY, ...RELATIONS]) {
      for (const literal of LITERALS) {
        out.push(`${operand} ${op} ${literal}`);
        if (op === '==' || op === '<') out.push(`${literal} ${op} ${operand}`);
      }
      out.push(`${operand} ${op} event.data.w`);
    }
    out.push(`${operand} in ['a', 5, 5.5, true, null]`, `${operand} in [5]`, `${operand} in ['']`);
    out.push(`'a' in ${operand}`, `5 in ${operand}`, `5.0 in ${operand}`, `null in ${operand}`);
    out.push(`'k' in ${operand}`, `${operand} in event.data.w`);
    for (const method of ['startsWith', 'endsWith', 'contains']) {
      out.push(`${operand}.${method}('a')`, `${operand}.${method}('')`, `event.data.s.${method}(${operand})`);
    }
    for (const literal of ['4', '5', '-1', '5.5', '9007199254740994']) {
      out.push(`int(${operand}) > ${literal}`, `int(${operand}) <= ${literal}`);
    }
    out.push(`int(${operand}) == 5`);
    out.push(`has(${operand})`, `${operand}`, `!${operand}`);
  }
  out.push(
    'has(event.data)',
    'has(data.v.k)',
    'has(event.data.missing.k)',
    'has(event.data.m.k.x)',
    'has(ce.subject)',
    'has(event.region)',
  );
  // && and || over atoms that are true, false, an error, or not a bool, depending on the event.
  const atoms = [
    'true',
    'false',
    'event.data.b',
    'event.data.v',
    "event.data.v == 'a'",
    'event.data.missing == 1',
    'event.data.v > 1',
    "event.subject == 'a'",
    "!(event.data.w == 'a')",
  ];
  for (const a of atoms) {
    for (const b of atoms) {
      out.push(`${a} && ${b}`, `${a} || ${b}`);
    }
    out.push(`!(${a})`, `(${a} || event.data.v == 5) && !(${a} && event.data.w != null)`);
  }
  return out;
}

test('compiled closures give exactly cel-js verdicts on generated expressions and events', () => {
  const cases = events();
  const exprs = expressions();
  let compiledExpressions = 0;
  let evaluations = 0;
  let decided = 0;
  const seen = new Set<string>();
  const mismatches: string[] = [];
  for (const expression of exprs) {
    const node = celNode(expression);
    if (node === undefined) continue;
    assert.ok(node.compiled, `expected a compiled closure for: ${expression}`);
    compiledExpressions++;
    for (const { name, input } of cases) {
      const reference = node.evaluateWithLibrary(input());
      const compiled = node.evaluateCompiled(input());
      const evaluated = node.evaluate(input());
      evaluations++;
      seen.add(NAMES[reference]);
      if (compiled !== undefined) {
        decided++;
        if (compiled !== reference) {
          mismatches.push(`${expression} on ${name}: closure ${NAMES[compiled]}, cel-js ${NAMES[reference]}`);
        }
      }
      if (evaluated !== reference) {
        mismatches.push(`${expression} on ${name}: evaluate ${NAMES[evaluated]}, cel-js ${NAMES[reference]}`);
      }
    }
  }
  assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
  // The generated set is large and mostly type-checks; the closures decide almost every case.
  assert.ok(compiledExpressions >= 800, `only ${compiledExpressions} expressions compiled`);
  assert.ok(decided / evaluations >= 0.9, `the closures decided only ${decided} of ${evaluations}`);
  assert.deepEqual([...seen].sort(), ['error', 'false', 'true']);
});

test('the trigger index reports the errors cel-js reports (the filter error count)', () => {
  // Every fourth generated expression keeps this quick; the test above covers them all.
  const exprs = expressions().filter((expression, i) => i % 4 === 0 && celNode(expression) !== undefined);
  const triggers = exprs.map((expression, value) => ({
    value,
    filter: compileTriggerFilter({ filters: [{ exact: { type: 'com.example.t' } }, { cel: expression }] }),
    node: celNode(expression) as CelNode,
  }));
  const index = new TriggerIndex(triggers);
  let errors = 0;
  for (const { name, input } of events()) {
    const failed: number[] = [];
    const matched = index.match(input(), (value) => failed.push(value));
    const reference = triggers.map(({ value, node }) => ({
      value,
      outcome: node.evaluateWithLibrary(input()),
    }));
    assert.deepEqual(
      matched,
      reference.filter((r) => r.outcome === PASS).map((r) => r.value),
      `matches on ${name}`,
    );
    assert.deepEqual(
      failed,
      reference.filter((r) => r.outcome === ERROR).map((r) => r.value),
      `errors on ${name}`,
    );
    errors += failed.length;
  }
  assert.ok(errors > 3000, `the events make many expressions fail (${errors})`);
});

test('the shapes the closures do not cover still compile, and evaluate through cel-js', () => {
  for (const expression of [
    "event.time > timestamp('2020-01-01T00:00:00Z')",
    "event.data.l.exists(x, x == 'a')",
    "event.subject.matches('^a')",
    'size(event.data.l) > 0',
    "event.?region.orValue('none') == 'none'",
    'event.data.v == 1u',
    "event.data.v == b'a'",
    "event.data.v == ['a']",
    'event.data.v ? true : false',
  ]) {
    const node = celNode(expression);
    assert.ok(node !== undefined, expression);
    assert.equal(node.compiled, false, expression);
  }
});

test("the benchmarks' and the examples' expressions are compiled", () => {
  for (const expression of [
    "event.type == 'com.example.t1' && event.data.intent == 'loan'",
    'int(event.data.score) > 60',
    "has(event.data.caller) && event.data.caller.vip == true || event.subject.startsWith('calls/')",
    "event.data.region in ['eu', 'us'] && !(event.data.score < 10.5)",
    "'vip' in event.data.tags",
    "event.data.intent == 'loan' && event.data.confidence >= 0.8",
    'event.data.total > 1000',
    "event.subject == 'nobody-1'",
  ]) {
    assert.equal(celNode(expression)?.compiled, true, expression);
  }
});

test('a deferred evaluation falls back to cel-js: an object with a "constructor" key is an error there', () => {
  const node = celNode("event.data.v == 'a'");
  assert.ok(node !== undefined);
  const input = createFilterInput(cloudEvent({}, '{"constructor": "x", "v": "a"}'));
  assert.equal(node.evaluateCompiled(input), undefined, 'the closure defers');
  assert.equal(node.evaluateWithLibrary(input), ERROR);
  assert.equal(node.evaluate(input), ERROR);
});
