import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CelNode, compileCel, setCelEvaluationBudget } from '../../src/filter/cel.ts';
import { CEL_COST_LIMITS } from '../../src/filter/cel-cost.ts';
import { compileTriggerFilter } from '../../src/filter/compile.ts';
import { ERROR, PASS } from '../../src/filter/node.ts';
import { assertInvalid, evalCel, input } from './helpers.ts';

const invalidCel = (expression: string, message: RegExp) =>
  assertInvalid({ filters: [{ cel: expression }] }, '/spec/filters/0/cel', message);

/** `cel.bind(a, first, cel.bind(b, a <op> a ..., ... last(var)))`, `levels` deep. */
function bindChain(levels: number, first: string, grow: (v: string) => string, last: (v: string) => string) {
  const names = 'abcdefghijklmnopqrstuvwxyz';
  let open = '';
  for (let i = 0; i < levels; i++) {
    open += `cel.bind(${names[i]}, ${i === 0 ? first : grow(names[i - 1] as string)}, `;
  }
  return `${open}${last(names[levels - 1] as string)}${')'.repeat(levels)}`;
}

test('a chain of cel.bind doubling a list is rejected at load time, with the estimate and where', () => {
  const expression = bindChain(
    15,
    '[event.data.x, event.data.x]',
    (v) => `${v} + ${v}`,
    (v) => `size(${v}) > 0`,
  );
  const details = invalidCel(
    expression,
    /estimated cost of this expression is \d+, over the limit of 20000 \(for events with 1024 bytes of data.*\(line 1, column \d+\)/,
  );
  assert.ok(details.position);
});

test('doubling strings, quadrupling lists, and macros over bound lists are rejected', () => {
  invalidCel(
    bindChain(
      15,
      'event.data.x',
      (v) => `${v} + ${v}`,
      (v) => `size(${v}) > 0`,
    ),
    /over the limit of 100000000/,
  );
  invalidCel(
    bindChain(
      10,
      '[1, 2, 3, 4]',
      (v) => `${v} + ${v} + ${v} + ${v}`,
      (v) => `${v}.exists(i, i == 7)`,
    ),
    /estimated cost/,
  );
  invalidCel(
    bindChain(
      12,
      '[event.data.x, event.data.x]',
      (v) => `${v} + ${v}`,
      (v) => `${v}.map(s, s + s).size() > 0`,
    ),
    /estimated cost/,
  );
  invalidCel(
    "event.data.items.map(i, i + i + i + i + i + i + i + i).exists(s, s.contains('x'))",
    /estimated cost/,
  );
});

test('realistic expressions are accepted and evaluate as before', () => {
  const at = input(
    { datacontenttype: 'application/json', subject: 'x-1' },
    { intent: 'loan', score: 82, items: [{ sku: 'x', qty: 3, price: 50 }], tags: ['vip-gold'], p: '^com' },
  );
  for (const expression of [
    "event.data.intent == 'loan' && int(event.data.score) > 70",
    "event.data.items.exists(i, i.sku == 'x' && i.qty > 2)",
    'event.data.items.map(i, i.price * i.qty).exists(p, p > 100)',
    "event.data.tags.exists(t, t.startsWith('vip')) && event.subject.contains('x')",
    'event.type.matches(event.data.p)',
    "cel.bind(t, event.data.tags, t.exists(x, x == 'vip-gold') && size(t) < 10)",
    "event.data.items.filter(i, i.qty > 1).size() == 1 && event.subject.endsWith('-1')",
  ]) {
    assert.doesNotThrow(() => compileTriggerFilter({ filters: [{ cel: expression }] }), expression);
    assert.equal(evalCel(expression, at), 'match', expression);
  }
  assert.ok(CEL_COST_LIMITS.worstCase.limit > CEL_COST_LIMITS.smallEvent.limit);
});

test('an evaluation over its runtime budget aborts as an error, and explain says so', () => {
  // Accepted by the estimate, ~2,000 units at run time: over a budget of 500, quickly.
  const expression = bindChain(
    8,
    '[event.data.x, event.data.x]',
    (v) => `${v} + ${v}`,
    (v) => `${v}.exists(s, s == 'never') || size(${v}) > 0`,
  );
  const node = compileCel(expression, 'filters[0]', '/spec/filters/0/cel') as CelNode;
  const at = input({ datacontenttype: 'application/json' }, { x: 'y'.repeat(100) });
  assert.equal(node.evaluate(at), PASS);
  const previous = setCelEvaluationBudget(500);
  try {
    const started = performance.now();
    assert.equal(node.evaluate(at), ERROR);
    assert.ok(performance.now() - started < 50);
    assert.match(node.explain(at), /cost budget exceeded/);
    // The budget is per evaluation: a cheap expression right after is unaffected.
    assert.equal(evalCel('event.data.x.size() > 10 || event.data.x == "z"', at), 'match');
  } finally {
    setCelEvaluationBudget(previous);
  }
  assert.equal(node.evaluate(at), PASS);
});

test('a closure that throws is an error on every path, and explain gives the message', () => {
  let nested: unknown = 1;
  for (let i = 0; i < 100; i++) nested = { a: nested };
  const at = input({ datacontenttype: 'application/json' }, nested);
  const node = compileCel('event.data.a == 1', 'filters[0]', '/spec/filters/0/cel') as CelNode;
  assert.ok(node.compiled);
  assert.equal(node.evaluate(at), ERROR);
  assert.equal(node.evaluateCompiled(at), ERROR);
  assert.equal(node.evaluateWithLibrary(at), ERROR);
  assert.match(node.explain(at), /evaluation error: .*nest/i);
});
