import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTriggerFilter } from '../../src/filter/compile.ts';
import { TriggerIndex } from '../../src/filter/trigger-index.ts';
import { input } from './helpers.ts';

const cel = (expression: string) => compileTriggerFilter({ filters: [{ cel: expression }] });

test('a CEL conjunction with event.type == literal is filed under that type', () => {
  assert.equal(cel("event.type == 'com.a' && int(event.data.n) > 1").exactType, 'com.a');
  assert.equal(cel("int(event.data.n) > 1 && ('com.a' == ce.type)").exactType, 'com.a');
  assert.equal(cel("event['type'] == 'com.a'").exactType, 'com.a');
  assert.equal(cel("event.source == '/crm' && event.subject == 's'").exactSource, '/crm');
  // Exact filters still win when both are given; the CEL term only adds what they lack.
  const both = compileTriggerFilter({
    filters: [{ exact: { source: '/erp' } }, { cel: "event.type == 'com.b'" }],
  });
  assert.equal(both.exactType, 'com.b');
  assert.equal(both.exactSource, '/erp');
});

test('exact values of other attributes are offered to the index too', () => {
  assert.deepEqual(
    [...(cel("event.subject == 's1' && ce.region == 'eu' && event.time == 'x'").exactAttributes ?? [])],
    [
      ['subject', 's1'],
      ['region', 'eu'],
    ],
  );
  const exact = compileTriggerFilter({
    filters: [{ exact: { region: 'eu', datamediatype: 'application/json' } }],
  });
  assert.deepEqual([...(exact.exactAttributes ?? [])], [['region', 'eu']]);
});

test('a CEL expression that does not require one type is evaluated for every event', () => {
  for (const expression of [
    "event.type == 'com.a' || event.type == 'com.b'",
    "!(event.type == 'com.a')",
    "event.type != 'com.a'",
    "event.?type.orValue('') == 'com.a'",
    "event.type.startsWith('com.a')",
    "[event.type == 'com.a'][0]",
  ]) {
    assert.equal(cel(expression).exactType, undefined, expression);
  }
  assert.equal(
    compileTriggerFilter({
      filters: [{ any: [{ cel: "event.type == 'com.a'" }, { exact: { subject: 'x' } }] }],
    }).exactType,
    undefined,
  );
});

test('the index gives what evaluating every CEL trigger gives, errors included', () => {
  const expressions = [
    "event.type == 'com.a' && int(event.data.n) > 1", // an error for com.a events without n
    "event.type == 'com.a'",
    "'com.b' == event.type && event.data.n == 3",
    "event.source == '/crm' && event.type == 'com.b'",
    "event.type == 'com.a' || event.data.n == 3",
  ];
  const entries = expressions.map((expression, i) => ({ value: i, filter: cel(expression) }));
  // Filed under another attribute: the subject, an extension.
  entries.push({ value: 5, filter: cel("event.subject == 's1' && int(event.data.n) > 1") });
  entries.push({ value: 6, filter: compileTriggerFilter({ filters: [{ exact: { region: 'eu' } }] }) });
  entries.push({ value: 7, filter: cel("ce.region == 'us'") });
  const index = new TriggerIndex(entries);
  const events = [
    input({ type: 'com.a' }, { n: 2 }),
    input({ type: 'com.a' }, {}),
    input({ type: 'com.b', source: '/crm' }, { n: 3 }),
    input({ type: 'com.b', source: '/erp' }, {}),
    input({ type: 'com.c' }, { n: 3 }),
    input({ type: 'com.c' }),
    input({ type: 'com.c', subject: 's1' }, { n: 2 }),
    input({ type: 'com.c', subject: 's1' }, {}), // an error for entry 5
    input({ type: 'com.c', subject: 's2' }, {}), // skipped by entry 5: no error
    input({ type: 'com.c', region: 'eu' }),
    input({ type: 'com.c', region: 'us' }),
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
    assert.deepEqual(
      index.match(event, (value) => errors.push(value)),
      expected,
      event.event.attributes.type,
    );
    assert.deepEqual(errors.sort(), expectedErrors.sort(), event.event.attributes.type);
  }
});
