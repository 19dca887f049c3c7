import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTriggerFilter } from '../../src/filter/compile.ts';
import { assertInvalid, input } from './helpers.ts';

const sql = (expression: string) => compileTriggerFilter({ filters: [{ cesql: expression }] });

test('realistic expressions are within the cost limits', () => {
  for (const expression of [
    "source LIKE '%commerce%' AND type IN ('order.created', 'order.updated', 'order.canceled')",
    Array.from({ length: 40 }, (_, i) => `type = 'com.example.t${i}'`).join(' OR '),
    "LOWER(subject) LIKE '%invoice%' AND INT(sequence) > 10 AND EXISTS region",
    "subject LIKE 'a_b%c_d'",
    "CONCAT_WS('/', source, subject) = '/crm/lead'",
  ]) {
    assert.match(
      sql(expression).evaluate(input({ subject: 'x', sequence: '11' })),
      /^(match|no-match|error)$/,
      expression,
    );
  }
});

test('an expression that reads the attributes too many times is refused where it costs most', () => {
  const pattern = `%${'a_'.repeat(20)}%`;
  const details = assertInvalid(
    { filters: [{ cesql: `type = 'x' AND subject LIKE '${pattern}'` }] },
    '/spec/filters/0/cesql',
    /estimated cost of this expression is \d+, over the limit of 20000 \(for events with attributes of 1024 bytes\).*\(line 1, column 16\)$/,
  );
  assert.equal((details.position as { offset: number }).offset, 15);
  assertInvalid(
    { filters: [{ cesql: `LENGTH(CONCAT(${Array(25).fill('subject').join(', ')})) > 0` }] },
    '/spec/filters/0/cesql',
    /estimated cost of this expression is \d+, over the limit of/,
  );
  assertInvalid(
    { filters: [{ cesql: Array.from({ length: 25 }, () => 'LOWER(subject) = UPPER(source)').join(' OR ') }] },
    '/spec/filters/0/cesql',
    /estimated cost of this expression is \d+, over the limit of/,
  );
});
