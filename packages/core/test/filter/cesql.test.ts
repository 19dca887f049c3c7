import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTriggerFilter } from '../../src/filter/compile.ts';
import { TriggerIndex } from '../../src/filter/trigger-index.ts';
import type { SubscriptionsApiFilter } from '../../src/resources/types.ts';
import { assertInvalid, evalFilters, input } from './helpers.ts';

/* The `cesql` (and `sql`) dialect of Trigger filters, through compileTriggerFilter. */

const sql = (expression: string) => compileTriggerFilter({ filters: [{ cesql: expression }] });
const evalSql = (expression: string, attributes: Record<string, string> = {}) =>
  sql(expression).evaluate(input(attributes));

test('the spec examples (CESQL v1 §5, tck spec_examples)', () => {
  assert.equal(evalSql('EXISTS subject', { subject: 'Francesco Guardiani' }), 'match');
  assert.equal(evalSql('EXISTS subject'), 'no-match');
  assert.equal(evalSql("firstname = 'Francesco'", { firstname: 'Francesco' }), 'match');
  const either = "firstname = 'Francesco' OR subject = 'Francesco'";
  assert.equal(evalSql(either, { subject: 'Francesco', firstname: 'Doug' }), 'match');
  assert.equal(evalSql(either, { firstname: 'Francesco', subject: 'Doug' }), 'match');
  const both = "(firstname = 'Francesco' AND lastname = 'Guardiani') OR subject = 'Francesco Guardiani'";
  assert.equal(evalSql(both, { subject: 'Doug', firstname: 'Francesco', lastname: 'Guardiani' }), 'match');
  assert.equal(
    evalSql(both, { subject: 'Francesco Guardiani', firstname: 'Doug', lastname: 'Davis' }),
    'match',
  );
  assert.equal(evalSql(both, { subject: 'x', firstname: 'Doug', lastname: 'Davis' }), 'no-match');
  assert.equal(evalSql('sequence = 5', { sequence: '5' }), 'match');
  assert.equal(evalSql('sequence = 5', { sequence: '6' }), 'no-match');
  assert.equal(evalSql('hop < ttl', { hop: '5', ttl: '10' }), 'match');
  assert.equal(evalSql('int(hop) < int(ttl) and int(hop) < 1000', { hop: '5', ttl: '10' }), 'match');
  assert.equal(evalSql('INT(hop) < INT(ttl) AND INT(hop) < 1000', { hop: '5', ttl: '10' }), 'match');
});

test('Knative subscriptions API recreations (tck subscriptions_api_recreations)', () => {
  assert.equal(evalSql("source LIKE 'https://%'", { source: 'https://example.com' }), 'match');
  assert.equal(evalSql("source LIKE 'https://%'", { source: 'http://example.com' }), 'no-match');
  assert.equal(evalSql("type like '%.error'", { type: 'com.github.error' }), 'match');
  assert.equal(evalSql("myext LIKE 'custom%'"), 'error');
  assert.equal(
    evalSql("id LIKE 'my%' AND source LIKE '%.ca'", { id: 'myId', source: 'http://www.some-website.ca' }),
    'match',
  );
  assert.equal(
    evalSql("type LIKE 'example.%' AND myext LIKE 'custom%'", { type: 'example.event.type' }),
    'error',
  );
  const knative = "source LIKE '%commerce%' AND type IN ('order.created', 'order.updated', 'order.canceled')";
  assert.equal(evalSql(knative, { source: '/ecommerce', type: 'order.updated' }), 'match');
  assert.equal(evalSql(knative, { source: '/ecommerce', type: 'order.shipped' }), 'no-match');
});

test('an evaluation error is the error outcome, never a match', () => {
  assert.equal(evalSql('missing = 1'), 'error');
  assert.equal(evalSql('NOT (missing = 1)'), 'error');
  assert.equal(evalSql('true AND (1 != 1 / 0)'), 'error');
  assert.equal(evalSql("INT('x') = 0"), 'error');
  assert.equal(evalSql("LEFT('abc', -1) = 'abc'"), 'error');
  assert.equal(evalSql('ABS(-2147483648) > 0'), 'error');
  // Short-circuit: the right side is never evaluated, so there is no error.
  assert.equal(evalSql('false AND missing = 1'), 'no-match');
  assert.equal(evalSql('EXISTS missing AND missing = 1'), 'no-match');
});

test('the dialect is also accepted under its pre-1.15 name sql, and nests in all/any/not', () => {
  assert.equal(evalFilters([{ sql: "type = 'com.example.lead.created'" }], input()), 'match');
  const nested = (filter: SubscriptionsApiFilter, attributes: Record<string, string> = {}) =>
    evalFilters([filter], input(attributes));
  assert.equal(nested({ not: { cesql: "subject = 'x'" } }, { subject: 'y' }), 'match');
  assert.equal(nested({ not: { cesql: "subject = 'x'" } }, { subject: 'x' }), 'no-match');
  // `not` keeps an error.
  assert.equal(nested({ not: { cesql: "subject = 'x'" } }), 'error');
  assert.equal(
    nested({ any: [{ cesql: "subject = 'x'" }, { exact: { type: 'com.example.lead.created' } }] }),
    'match',
  );
  assert.equal(nested({ all: [{ cesql: "subject = 'x'" }, { exact: { type: 'other' } }] }), 'no-match');
  assert.equal(nested({ all: [{ cesql: 'EXISTS id' }, { cel: "event.type.endsWith('created')" }] }), 'match');
  // An empty expression sets no dialect (Knative's NoFilter).
  assert.equal(evalFilters([{ cesql: '' }], input()), 'match');
});

test('a parse error makes the Trigger invalid with the message and its position', () => {
  const details = assertInvalid(
    { filters: [{ exact: { type: 'a' } }, { cesql: "type = 'a' AND\n  source LIKE 3" }] },
    '/spec/filters/1/cesql',
    /^filters\[1\]\.cesql: parse error: LIKE takes a string literal pattern, found '3' \(line 2, column 15\)$/,
  );
  assert.deepEqual(details.position, { line: 2, column: 15, offset: 29 });
  assertInvalid(
    { filters: [{ any: [{ sql: 'ABC(' }] }] },
    '/spec/filters/0/any/0/sql',
    /^filters\[0\]\.any\[0\]\.sql: parse error: expected an expression, found the end of the expression \(line 1, column 5\)$/,
  );
  assertInvalid(
    { filters: [{ cesql: "type = 'a" }] },
    '/spec/filters/0/cesql',
    /unterminated string literal \(line 1, column 8\)/,
  );
  assertInvalid({ filters: [{ cesql: 'x = 9999999999' }] }, '/spec/filters/0/cesql', /not a 32-bit integer/);
  assertInvalid(
    { filters: [{ cesql: 7 as unknown as string }] },
    '/spec/filters/0/cesql',
    /filters\[0\]\.cesql must be a string/,
  );
  assertInvalid(
    { filters: [{ cesql: `type = '${'x'.repeat(5000)}'` }] },
    '/spec/filters/0/cesql',
    /the limit is 4096/,
  );
  assertInvalid(
    { filters: [{ cesql: "type = 'a'", sql: "type = 'a'" }] },
    '/spec/filters/0',
    /sets cesql and sql/,
  );
});

test('what is known to fail before any event makes the Trigger invalid', () => {
  assertInvalid(
    { filters: [{ cesql: "type = 'a' AND NOPE(type)" }] },
    '/spec/filters/0/cesql',
    /no function NOPE taking 1 argument \(line 1, column 16\)/,
  );
  assertInvalid(
    { filters: [{ cesql: 'LENGTH(type)' }] },
    '/spec/filters/0/cesql',
    /must evaluate to a boolean, but it evaluates to an integer/,
  );
  assertInvalid({ filters: [{ cesql: "'abc'" }] }, '/spec/filters/0/cesql', /evaluates to a string/);
});

test('a bare attribute is read as a boolean (§3.2), anything else is an error', () => {
  assert.equal(evalSql('flag', { flag: 'true' }), 'match');
  assert.equal(evalSql('flag', { flag: 'FALSE' }), 'no-match');
  assert.equal(evalSql('flag', { flag: 'yes' }), 'error');
  assert.equal(evalSql('flag'), 'error');
  assert.equal(evalSql('BOOL(flag)', { flag: 'yes' }), 'error');
});

test('explain says why an expression did not match', () => {
  assert.equal(
    sql("subject = 'x'").explain(input({ subject: 'y' })),
    'filters[0] (cesql): evaluated to false',
  );
  assert.equal(
    sql("type = 'com.example.lead.created' AND region = 'eu'").explain(input()),
    "filters[0] (cesql): evaluation error (missingAttribute): the event has no attribute 'region' (line 1, column 39)",
  );
  assert.equal(
    compileTriggerFilter({ filters: [{ sql: '1 / 0 = 0' }] }).explain(input()),
    'filters[0] (sql): evaluation error (math): division by zero (line 1, column 1)',
  );
  assert.equal(
    sql('flag').explain(input({ flag: 'maybe' })),
    "filters[0] (cesql): evaluated to the string 'maybe', which is not a boolean",
  );
  assert.equal(sql('EXISTS id').explain(input()), undefined);
});

test('a leading type = literal term files the trigger under its type', () => {
  assert.equal(sql("type = 'com.a' AND LENGTH(subject) > 1").exactType, 'com.a');
  assert.equal(sql("'com.a' = TYPE").exactType, 'com.a');
  assert.equal(sql("(type = 'com.a' AND source = '/crm') AND subject = 's'").exactSource, '/crm');
  assert.deepEqual(
    [
      ...(sql("type = 'com.a' AND source = '/crm' AND subject = 's' AND region = 'eu'").exactAttributes ??
        []),
    ],
    [
      ['type', 'com.a'],
      ['source', '/crm'],
      ['subject', 's'],
    ],
  );
  for (const expression of [
    "type = 'com.a' OR type = 'com.b'",
    "NOT (type = 'com.a')",
    "type != 'com.a'",
    "type LIKE 'com.a'",
    "type IN ('com.a')",
    "type = 'com.a' OR subject = 'x' AND type = 'com.b'",
    // A term that may be an error comes first: evaluation decides, errors included.
    "INT(subject) > 1 AND type = 'com.a'",
    "subject = 's' AND type = 'com.a'",
  ]) {
    assert.equal(sql(expression).exactType, undefined, expression);
  }
});

test('the index gives what evaluating every CESQL trigger gives, errors included', () => {
  const expressions = [
    "type = 'com.a' AND INT(n) > 1", // an error for com.a events without n
    "type = 'com.a'",
    "'com.b' = type AND n = 3",
    "source = '/crm' AND type = 'com.b'",
    "type = 'com.a' OR n = 3",
    "subject = 's1' AND INT(n) > 1",
    "region = 'us'",
  ];
  const entries = expressions.map((expression, i) => ({ value: i, filter: sql(expression) }));
  const index = new TriggerIndex(entries);
  const events = [
    input({ type: 'com.a', n: '2' }),
    input({ type: 'com.a' }),
    input({ type: 'com.b', source: '/crm', n: '3' }),
    input({ type: 'com.b', source: '/erp' }),
    input({ type: 'com.c', n: '3' }),
    input({ type: 'com.c' }),
    input({ type: 'com.c', subject: 's1', n: '2' }),
    input({ type: 'com.c', subject: 's1' }),
    input({ type: 'com.c', subject: 's2' }),
    input({ type: 'com.c', region: 'us' }),
    input({ type: 'com.c', region: 'eu' }),
  ];
  for (const event of events) {
    const expected: number[] = [];
    const expectedErrors: number[] = [];
    for (const { value, filter } of entries) {
      const result = filter.evaluate(event);
      if (result === 'match') expected.push(value);
      else if (result === 'error') expectedErrors.push(value);
    }
    const errors: number[] = [];
    const attributes = JSON.stringify(event.event.attributes);
    assert.deepEqual(
      index.match(event, (value) => errors.push(value)),
      expected,
      attributes,
    );
    assert.deepEqual(errors.sort(), expectedErrors.sort(), attributes);
  }
});
