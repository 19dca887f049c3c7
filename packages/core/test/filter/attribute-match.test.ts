import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTriggerFilter } from '../../src/filter/compile.ts';
import { evalFilters, input } from './helpers.ts';

const attributes = (attrs: Record<string, string>) => compileTriggerFilter({ filter: { attributes: attrs } });

test('filter.attributes matches exact values, case-sensitively, on every attribute listed', () => {
  const f = attributes({ type: 'com.example.lead.created', source: '/crm/webhooks' });
  assert.equal(f.evaluate(input()), 'match');
  assert.equal(f.evaluate(input({ type: 'com.example.lead.Created' })), 'no-match');
  assert.equal(f.evaluate(input({ source: '/crm' })), 'no-match');
  assert.equal(f.exactType, 'com.example.lead.created');
  assert.equal(f.exactSource, '/crm/webhooks');
});

test('filter.attributes reads extensions by name and fails when one is missing', () => {
  const f = attributes({ region: 'eu' });
  assert.equal(f.evaluate(input({ region: 'eu' })), 'match');
  assert.equal(f.evaluate(input({ region: 'us' })), 'no-match');
  assert.equal(f.evaluate(input()), 'no-match');
  assert.equal(f.explain(input()), "filter.attributes.region: missing attribute 'region'");
  assert.equal(f.explain(input({ region: 'us' })), "filter.attributes.region: expected 'eu', got 'us'");
});

test('filter.attributes "" means the attribute must be present and non-empty (Knative TriggerAnyFilter)', () => {
  const f = attributes({ subject: '', region: '' });
  assert.equal(f.evaluate(input({ subject: 'lead/42', region: 'eu' })), 'match');
  assert.equal(f.evaluate(input({ region: 'eu' })), 'no-match', 'absent optional attribute');
  assert.equal(f.evaluate(input({ subject: '', region: 'eu' })), 'no-match', 'empty value');
  assert.equal(f.evaluate(input({ subject: 'x' })), 'no-match', 'absent extension');
  assert.equal(f.exactType, undefined, '"" is no exact constraint');
});

test('no filter, an empty filter and empty attributes let every event through', () => {
  for (const spec of [{}, { filter: {} }, { filter: { attributes: {} } }, { filters: [] }]) {
    const f = compileTriggerFilter(spec);
    assert.equal(f.evaluate(input()), 'match', JSON.stringify(spec));
    assert.equal(f.explain(input()), undefined);
    assert.equal(f.exactType, undefined);
  }
});

test('Knative attribute aliases: schemaurl reads dataschema, datamediatype the media type', () => {
  const at = input({
    dataschema: 'https://schemas.example/lead',
    datacontenttype: 'Application/JSON; charset=utf-8',
  });
  assert.equal(attributes({ schemaurl: 'https://schemas.example/lead' }).evaluate(at), 'match');
  assert.equal(attributes({ datamediatype: 'application/json' }).evaluate(at), 'match');
  assert.equal(attributes({ datamediatype: 'text/plain' }).evaluate(at), 'no-match');
  assert.equal(attributes({ datamediatype: '' }).evaluate(input()), 'no-match');
});

test('an attribute named like an Object member is looked up as an attribute only', () => {
  assert.equal(attributes({ constructor: '' }).evaluate(input()), 'no-match');
  assert.equal(attributes({ constructor: 'x' }).evaluate(input({ constructor: 'x' })), 'match');
});

test('exact in filters: values must be equal, every key must match, missing attribute fails', () => {
  const at = input({ subject: 'lead/42' });
  assert.equal(evalFilters([{ exact: { type: 'com.example.lead.created' } }], at), 'match');
  assert.equal(evalFilters([{ exact: { type: 'com.example.lead' } }], at), 'no-match');
  assert.equal(
    evalFilters([{ exact: { type: 'com.example.lead.created', subject: 'lead/42' } }], at),
    'match',
  );
  assert.equal(
    evalFilters([{ exact: { type: 'com.example.lead.created', subject: 'lead/7' } }], at),
    'no-match',
  );
  assert.equal(evalFilters([{ exact: { region: 'eu' } }], at), 'no-match');
  const f = compileTriggerFilter({ filters: [{ exact: { type: 'com.other' } }] });
  assert.equal(f.explain(at), "filters[0].exact.type: expected 'com.other', got 'com.example.lead.created'");
});

test('prefix and suffix compare the start and end of the value', () => {
  const at = input({ subject: 'calls/2024/42.wav' });
  assert.equal(evalFilters([{ prefix: { type: 'com.example.' } }], at), 'match');
  assert.equal(evalFilters([{ prefix: { type: 'com.other.' } }], at), 'no-match');
  assert.equal(evalFilters([{ prefix: { type: 'COM.' } }], at), 'no-match', 'case-sensitive');
  assert.equal(evalFilters([{ suffix: { subject: '.wav' } }], at), 'match');
  assert.equal(evalFilters([{ suffix: { subject: '.mp3' } }], at), 'no-match');
  assert.equal(evalFilters([{ prefix: { type: 'com.', subject: 'calls/' } }], at), 'match');
  assert.equal(evalFilters([{ prefix: { type: 'com.', subject: 'mail/' } }], at), 'no-match');
  assert.equal(evalFilters([{ prefix: { region: 'e' } }], at), 'no-match', 'missing attribute');
  assert.equal(evalFilters([{ suffix: { region: 'u' } }], input({ region: 'eu' })), 'match');
  const f = compileTriggerFilter({
    filters: [{ prefix: { type: 'org.' } }, { suffix: { subject: '.mp3' } }],
  });
  assert.equal(
    f.explain(at),
    "filters[0].prefix.type: expected a value starting with 'org.', got 'com.example.lead.created'",
  );
  const g = compileTriggerFilter({ filters: [{ suffix: { subject: '.mp3' } }] });
  assert.equal(
    g.explain(at),
    "filters[0].suffix.subject: expected a value ending with '.mp3', got 'calls/2024/42.wav'",
  );
  assert.equal(g.exactType, undefined, 'prefix/suffix give no exact constraint');
});
