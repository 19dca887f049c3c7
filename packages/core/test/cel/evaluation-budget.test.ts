import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CelNode, compileCel, setCelEvaluationBudget } from '../../src/filter/cel.ts';
import { createFilterInput } from '../../src/filter/input.ts';
import { ERROR } from '../../src/filter/node.ts';
import type { FilterInput } from '../../src/filter/types.ts';
import { evalCel, input } from '../filter/helpers.ts';

const json = { datacontenttype: 'application/json' };

function cel(expression: string): CelNode {
  return compileCel(expression, 'filters[0]', '/spec/filters/0/cel') as CelNode;
}

/** `input` with its data parsed already, so a timing measures the evaluation only. */
function parsed(data: unknown, attributes: Record<string, string> = {}): FilterInput {
  const at = input({ ...json, ...attributes }, data);
  at.data();
  return at;
}

/** Text on which RE2JS's DFA gives up for `(a|b)*a(a|b){40}…` and simulates the whole program. */
function abText(length: number): string {
  let seed = 1;
  let text = '';
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    text += seed & 0x10000 ? 'a' : 'b';
  }
  return `${text}c`;
}

test('map and filter over a long list are charged once per element, not once per element so far', () => {
  // 5,000 items: about 55,000 units. Charging the list being built at every step cost 12.5 million.
  const items = Array.from({ length: 5000 }, (_, i) => ({ sku: `s-${i}`, qty: i % 7 }));
  const at = parsed({ items });
  assert.equal(evalCel("event.data.items.map(i, i.sku).exists(s, s == 's-4999')", at), 'match');
  assert.equal(evalCel('event.data.items.filter(i, i.qty == 6).size() == 714', at), 'match');
});

test('a regular expression whose RE2 program is large is charged before it runs', () => {
  // ~130 RE2 instructions over 20 KB of varied text: ~100 ms of RE2JS, every event, unmetered.
  const expression = "event.data.note.matches('(a|b)*a(a|b){40}d|c$')";
  const at = parsed({ note: abText(20_000) });
  const node = cel(expression);
  const started = performance.now();
  assert.equal(node.evaluate(at), ERROR);
  assert.ok(performance.now() - started < 20, 'refused before matching');
  assert.match(node.explain(at), /filters\[0\] \(cel\): cost budget exceeded/);
  // The same pattern on a short field, and common patterns on long ones, are within the budget.
  assert.equal(evalCel(expression, parsed({ note: abText(200) })), 'match');
  const long = parsed(
    { note: `${'call me back about the refund '.repeat(100)}` },
    { type: 'com.example.call' },
  );
  assert.equal(evalCel("event.data.note.matches('(?i)refund|chargeback')", long), 'match');
  assert.equal(evalCel("event.type.matches('^com\\\\.example\\\\.')", long), 'match');
});

test('once the budget is spent, all() and exists() stop instead of trying every element left', () => {
  const tags = Array.from({ length: 500_000 }, (_, i) => i % 10);
  const at = createFilterInput({
    attributes: { specversion: '1.0', id: 'e-1', source: '/s', type: 't', ...json },
    data: new TextEncoder().encode(JSON.stringify({ tags })),
  });
  at.data();
  // Reading the list costs 500,000 units: the budget runs out a little way into the loop.
  const previous = setCelEvaluationBudget(600_000);
  try {
    for (const expression of ['event.data.tags.all(t, t < 100)', 'event.data.tags.exists(t, t == 99)']) {
      const node = cel(expression);
      const started = performance.now();
      assert.equal(node.evaluate(at), ERROR, expression);
      // It took over a second, building an error for each of the ~475,000 elements left.
      assert.ok(performance.now() - started < 300, `${expression} stopped at the budget`);
      assert.match(node.explain(at), /cost budget exceeded/);
    }
  } finally {
    setCelEvaluationBudget(previous);
  }
});
