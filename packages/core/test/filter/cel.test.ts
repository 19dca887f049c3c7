import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_EXPRESSION_LENGTH } from '../../src/filter/cel.ts';
import { compileTriggerFilter } from '../../src/filter/compile.ts';
import { createFilterInput } from '../../src/filter/input.ts';
import { assertInvalid, evalCel, event, input } from './helpers.ts';

const cel = (expression: string) => compileTriggerFilter({ filters: [{ cel: expression }] });
const invalidCel = (expression: string, message: RegExp) =>
  assertInvalid({ filters: [{ cel: expression }] }, '/spec/filters/0/cel', message);

const call = {
  intent: 'loan',
  score: 82,
  caller: { id: 'c-7', vip: true },
  tags: ['a', 'b'],
  items: [{ sku: 'x', qty: 2 }],
};

test('event exposes attributes and extensions by name; ce is the same map', () => {
  const at = input({ subject: 'calls/42', partitionkey: 'c-7' });
  assert.equal(
    evalCel("event.type == 'com.example.lead.created' && event.source == '/crm/webhooks'", at),
    'match',
  );
  assert.equal(evalCel("event.subject.startsWith('calls/') && event.partitionkey == 'c-7'", at), 'match');
  assert.equal(
    evalCel("event['partitionkey'] == 'c-7' && event.id == 'evt-1' && event.specversion == '1.0'", at),
    'match',
  );
  assert.equal(evalCel("ce.type == 'com.example.lead.created' && ce.subject == 'calls/42'", at), 'match');
  assert.equal(evalCel("event.type == 'other'", at), 'no-match');
});

test('extensions are strings; convert them to compare as numbers', () => {
  const at = input({ priority: '7' });
  assert.equal(evalCel('int(event.priority) > 5', at), 'match');
  assert.equal(evalCel("event.priority == '7'", at), 'match');
  assert.equal(evalCel('event.priority == 7', at), 'no-match');
});

test('a missing attribute is an evaluation error unless tested with has() or optional access', () => {
  const at = input();
  assert.equal(evalCel("event.region == 'eu'", at), 'error');
  assert.equal(evalCel("has(event.region) && event.region == 'eu'", at), 'no-match');
  assert.equal(evalCel("!has(event.region) || event.region == 'eu'", at), 'match');
  assert.equal(evalCel("event.?region.orValue('none') == 'none'", at), 'match');
  assert.equal(
    cel("event.region == 'eu'").explain(at),
    'filters[0] (cel): evaluation error: No such key: region',
  );
});

test('event.data is the parsed JSON data: fields, numbers, lists, nested maps', () => {
  const at = input({ datacontenttype: 'application/json' }, call);
  assert.equal(evalCel("event.data.intent == 'loan' && int(event.data.score) > 70", at), 'match');
  assert.equal(evalCel('event.data.score > 70 && event.data.score == 82', at), 'match');
  assert.equal(evalCel("event.data.caller.vip && event.data.caller.id == 'c-7'", at), 'match');
  assert.equal(
    evalCel("'b' in event.data.tags && size(event.data.tags) == 2 && event.data.tags[0] == 'a'", at),
    'match',
  );
  assert.equal(evalCel("event.data.items.exists(i, i.sku == 'x' && i.qty >= 2)", at), 'match');
  assert.equal(evalCel("event.data.items.all(i, i.sku == 'y')", at), 'no-match');
  assert.equal(
    evalCel("data.intent == 'loan' && data.caller.id == 'c-7'", at),
    'match',
    'top-level data alias',
  );
  assert.equal(evalCel('event.data.caller.vip', at), 'match', 'a bool field is a result');
  assert.equal(evalCel('event.data.score', at), 'error', 'a non-bool result is an error');
});

test('a missing data field is an evaluation error, never a throw', () => {
  const at = input({}, call);
  const f = cel('event.data.amount > 1000');
  assert.equal(f.evaluate(at), 'error');
  assert.equal(f.explain(at), 'filters[0] (cel): evaluation error: No such key: amount');
  assert.equal(evalCel('has(event.data.amount)', at), 'no-match');
  assert.equal(evalCel('event.data.amount > 1000 || true', at), 'match', 'CEL error absorption');
});

test('data is parsed only for JSON content types', () => {
  const json = [
    'application/json',
    'application/json; charset=utf-8',
    'text/json',
    'application/vnd.crm.lead+json',
  ];
  for (const datacontenttype of json) {
    assert.equal(
      evalCel("event.data.intent == 'loan'", input({ datacontenttype }, call)),
      'match',
      datacontenttype,
    );
  }
  assert.equal(
    evalCel("event.data.intent == 'loan'", input({}, call)),
    'match',
    'no datacontenttype means JSON',
  );
  for (const datacontenttype of ['text/plain', 'application/octet-stream', 'application/xml']) {
    const at = input({ datacontenttype }, call);
    assert.equal(evalCel("event.data.intent == 'loan'", at), 'error', datacontenttype);
    assert.equal(evalCel('has(event.data)', at), 'no-match', datacontenttype);
  }
  assert.equal(evalCel('has(event.data)', input()), 'no-match', 'no data');
  assert.equal(evalCel('has(event.data)', input({}, '{"broken": ')), 'no-match', 'invalid JSON');
  assert.equal(evalCel("event.data == 'hello'", input({}, '"hello"')), 'match', 'a JSON string');
  assert.equal(evalCel('event.data[1] == 2.0', input({}, [1, 2])), 'match', 'a JSON array');
});

test('event.time is a timestamp', () => {
  const at = input({ time: '2024-05-01T10:00:00.250Z' });
  assert.equal(evalCel("event.time > timestamp('2024-05-01T00:00:00Z')", at), 'match');
  assert.equal(evalCel("event.time < timestamp('2024-05-01T00:00:00Z')", at), 'no-match');
  assert.equal(evalCel("event.time == timestamp('2024-05-01T12:00:00.25+02:00')", at), 'match');
  assert.equal(evalCel("event.time + duration('1h') > timestamp('2024-05-01T10:30:00Z')", at), 'match');
  assert.equal(evalCel('event.time.getHours() == 10 && event.time.getDayOfWeek() == 3', at), 'match');
  assert.equal(
    evalCel("event.time > timestamp('2024-01-01T00:00:00Z')", input()),
    'error',
    'no time attribute',
  );
  assert.equal(
    evalCel('has(event.time)', input({ time: 'not a time' })),
    'no-match',
    'an unparsable time is absent',
  );
});

test('bad expressions are rejected when the trigger loads, with the position', () => {
  const syntax = invalidCel(
    "event.type == 'a' &&",
    /filters\[0\]\.cel: Unexpected token: EOF \(line 1, column 21\)/,
  );
  assert.deepEqual(syntax.position, { line: 1, column: 21, offset: 20 });
  const unknown = invalidCel("typo.type == 'a'", /Unknown variable: typo \(line 1, column 1\)/);
  assert.deepEqual(unknown.position, { line: 1, column: 1, offset: 0 });
  invalidCel("event.type == 'a' && 1 + 'b' == 2", /no such overload: int \+ string \(line 1, column 22\)/);
  invalidCel('1 + 2', /must evaluate to a bool, but it evaluates to int/);
  invalidCel("type == 'x'", /no such overload/);
});

test('guard: expression length, nesting depth and size', () => {
  const long = `event.type == '${'x'.repeat(MAX_EXPRESSION_LENGTH)}'`;
  invalidCel(long, new RegExp(`is ${long.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`));
  invalidCel(`${'('.repeat(40)}true${')'.repeat(40)}`, /Exceeded maxDepth/);
  const dense = `${'1 == 1 && '.repeat(300)}true`;
  assert.ok(dense.length < MAX_EXPRESSION_LENGTH);
  invalidCel(dense, /Exceeded maxAstNodes/);
  invalidCel(`event.type in [${"'a', ".repeat(300)}'a']`, /Exceeded maxListElements/);
});

test('guard: iterating macros cannot nest', () => {
  invalidCel(
    "event.data.items.exists(i, i.tags.exists(t, t == 'a'))",
    /exists\(\) inside exists\(\) is not allowed.* \(line 1, column 28\)/,
  );
  invalidCel('event.data.items.all(i, i.tags.map(t, t).size() > 0)', /map\(\) inside all\(\) is not allowed/);
  // One after the other is fine: each is linear.
  const f = cel("event.data.items.map(i, i.sku).exists(s, s == 'x')");
  assert.equal(f.evaluate(input({}, call)), 'match');
});

test('guard: macro bodies see only their variables, literals, and attributes compared with == or !=', () => {
  invalidCel(
    'event.data.items.exists(i, i in event.data.items)',
    /inside exists\(\), only .* not 'event.data'/,
  );
  invalidCel('event.data.tags.exists(t, event.subject.contains(t))', /not 'event.subject'/);
  invalidCel('cel.bind(all, event.data.tags, all.exists(t, t in all))', /not 'all'/);
  const at = input({ subject: 'x' }, call);
  assert.equal(evalCel('event.data.items.exists(i, i.sku == event.subject)', at), 'match');
  assert.equal(evalCel("event.data.items.exists(i, ce['subject'] != i.sku)", at), 'no-match');
  assert.equal(
    evalCel(
      "cel.bind(v, event.data.caller.vip, v && event.data.tags.exists(t, cel.bind(u, t + '!', u == 'a!')))",
      at,
    ),
    'match',
  );
});

test('guard: matches() runs RE2, linear in the input, with RE2 syntax', () => {
  assert.equal(evalCel("event.type.matches('^com\\\\.example\\\\.')", input()), 'match');
  assert.equal(evalCel("event.type.matches('(?i)^COM\\\\.EXAMPLE')", input()), 'match', 'RE2 inline flags');
  assert.equal(evalCel("matches(event.source, 'hooks$')", input()), 'match', 'global form');
  assert.equal(
    evalCel("event.type.matches('lead') && !event.type.matches('^lead')", input()),
    'match',
    'unanchored',
  );
  // Exponential for a backtracking engine; RE2 answers at once. (5,000 characters: matching
  // 50,000 with these two patterns would spend more than one evaluation's cost budget.)
  const hostile = input({}, { text: `${'a'.repeat(5_000)}!` });
  const started = performance.now();
  assert.equal(
    evalCel("event.data.text.matches('^(a|a)*$') || event.data.text.matches('(a+)+b')", hostile),
    'no-match',
  );
  assert.ok(performance.now() - started < 2000, 'linear-time matching');
});

test('guard: invalid or unsupported literal patterns are rejected with their position', () => {
  const d = invalidCel(
    "event.type.matches('(a')",
    /invalid regular expression: missing closing \): `\(a` \(line 1, column 20\)/,
  );
  assert.deepEqual(d.position, { line: 1, column: 20, offset: 19 });
  invalidCel(
    "event.type.matches('(?=look)ahead')",
    /invalid regular expression: invalid or unsupported Perl syntax/,
  );
  invalidCel("matches(event.type, '\\\\1')", /invalid regular expression: invalid escape sequence/);
  invalidCel(
    `event.type.matches('${'a'.repeat(1100)}')`,
    /regular expression is 1100 characters long; the limit is 1024/,
  );
});

test('a pattern computed at run time is an evaluation error when invalid', () => {
  const at = input({ pattern: '(unclosed' }, { p: '^com' });
  assert.equal(evalCel('event.type.matches(event.pattern)', at), 'error');
  assert.equal(evalCel('event.type.matches(event.data.p)', at), 'match');
  assert.match(
    cel('event.type.matches(event.pattern)').explain(at) ?? '',
    /evaluation error: .*missing closing/,
  );
});

test('needsData is set only when an expression can read the data', () => {
  const needs = (expression: string) => cel(expression).needsData;
  assert.equal(needs("event.type == 'a' && ce.source == 'b' && event['subject'] == 'c'"), false);
  assert.equal(needs("event.data.x == 'a'"), true);
  assert.equal(needs("ce.data.x == 'a'"), true);
  assert.equal(needs("event['data'].x == 'a'"), true);
  assert.equal(needs('has(event.data)'), true);
  assert.equal(needs("data.x == 'a'"), true);
  assert.equal(needs('size(event) > 3'), true, 'the whole map may read data');
  assert.equal(needs("event.type.matches('data')"), false);
  assert.equal(compileTriggerFilter({ filters: [{ exact: { type: 'a' } }] }).needsData, false);
  assert.equal(compileTriggerFilter({ filters: [{ not: { any: [{ cel: 'data.ok' }] } }] }).needsData, true);
});

test('events without data or time evaluate attribute expressions without touching them', () => {
  const at = createFilterInput(event());
  assert.equal(evalCel("event.type == 'com.example.lead.created'", at), 'match');
  assert.equal(at.dataParsed, false);
});
