import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEventyardError } from '@eventyard/core';
import {
  compileWebhookSource,
  mapWebhook,
  type WebhookSourceConfig,
  webhookRequest,
} from '@eventyard/sources';

function compile(mapping: Record<string, unknown>): WebhookSourceConfig {
  const { source, problems } = compileWebhookSource(
    {
      apiVersion: 'sources.eventyard.dev/v1',
      kind: 'WebhookSource',
      metadata: { name: 'crm', namespace: 'callcenter' },
      spec: { sink: { uri: 'http://localhost:8080/callcenter/default' }, mapping },
    },
    {},
  );
  assert.deepEqual(problems, []);
  return source!;
}

const NOW = Date.parse('2026-01-02T03:04:05.000Z');
const hubspot = Buffer.from(
  JSON.stringify({
    eventId: 1001,
    subscriptionType: 'contact.propertyChange',
    objectId: 42,
    propertyValue: 'gold',
    score: 87,
  }),
);
const headers = { 'content-type': 'application/json', 'x-hubspot-request-id': 'r-9', 'x-portal': 'acme' };

test('maps type, source, id, subject and extensions from body and headers; data is the body as sent', () => {
  const source = compile({
    type: "'com.example.crm.' + body.subscriptionType",
    source: "'/crm/' + headers['x-portal']",
    id: 'string(body.eventId)',
    subject: 'body.objectId',
    extensions: {
      tier: 'body.propertyValue',
      hot: 'body.score > 80',
      requestid: "headers['x-hubspot-request-id']",
    },
  });
  const event = mapWebhook(source, webhookRequest('POST', '/', headers, hubspot), hubspot, NOW, () => 'uuid');
  assert.deepEqual(event.attributes, {
    specversion: '1.0',
    type: 'com.example.crm.contact.propertyChange',
    source: '/crm/acme',
    id: '1001',
    subject: '42',
    tier: 'gold',
    hot: 'true',
    requestid: 'r-9',
    time: '2026-01-02T03:04:05.000Z',
    datacontenttype: 'application/json',
  });
  assert.equal(Buffer.from(event.data!).toString(), hubspot.toString());
});

test('defaults: source names the WebhookSource, id is fresh, time is now', () => {
  const source = compile({ type: "'com.example.ping'" });
  const event = mapWebhook(
    source,
    webhookRequest('POST', '/', {}, Buffer.alloc(0)),
    Buffer.alloc(0),
    NOW,
    () => 'fresh',
  );
  assert.equal(event.attributes.source, '/apis/v1/namespaces/callcenter/webhooksources/crm');
  assert.equal(event.attributes.id, 'fresh');
  assert.equal(event.attributes.time, '2026-01-02T03:04:05.000Z');
  assert.equal(event.data, undefined);
  assert.equal(event.attributes.datacontenttype, undefined);
});

test('a data expression reshapes the payload as JSON, CEL ints as numbers', () => {
  const source = compile({
    type: "'com.example.crm.updated'",
    data: "{'customer': body.objectId, 'tier': body.propertyValue, 'points': int(body.score) * 10, 'at': timestamp('2026-01-01T00:00:00Z')}",
  });
  const event = mapWebhook(source, webhookRequest('POST', '/', headers, hubspot), hubspot, NOW, () => 'x');
  assert.equal(event.attributes.datacontenttype, 'application/json');
  assert.deepEqual(JSON.parse(Buffer.from(event.data!).toString()), {
    customer: 42,
    tier: 'gold',
    points: 870,
    at: '2026-01-01T00:00:00.000Z',
  });
});

test('form posts are a map, query parameters and text bodies are readable', () => {
  const source = compile({
    type: "'com.example.sms.' + body.Status",
    subject: 'query.account',
    extensions: { path: 'path.substring(1)' },
  });
  const form = Buffer.from('From=%2B15551234&Status=delivered');
  const event = mapWebhook(
    source,
    webhookRequest(
      'POST',
      '/twilio?account=AC1',
      { 'content-type': 'application/x-www-form-urlencoded' },
      form,
    ),
    form,
    NOW,
    () => 'x',
  );
  assert.equal(event.attributes.type, 'com.example.sms.delivered');
  assert.equal(event.attributes.subject, 'AC1');
  assert.equal(event.attributes.path, 'twilio');
  const text = compile({ type: "body == 'ping' ? 'com.example.ping' : 'com.example.other'" });
  const ping = Buffer.from('ping');
  assert.equal(
    mapWebhook(
      text,
      webhookRequest('POST', '/', { 'content-type': 'text/plain' }, ping),
      ping,
      NOW,
      () => 'x',
    ).attributes.type,
    'com.example.ping',
  );
});

function failsWith(
  source: WebhookSourceConfig,
  body: unknown,
  pattern: RegExp,
  code = 'EY_MAPPING_FAILED',
): void {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  assert.throws(
    () =>
      mapWebhook(
        source,
        webhookRequest('POST', '/', { 'content-type': 'application/json' }, raw),
        raw,
        NOW,
        () => 'x',
      ),
    (error: unknown) =>
      isEventyardError(error, code as 'EY_MAPPING_FAILED') &&
      error.status === 400 &&
      pattern.test(error.message),
  );
}

test('mapping failures name the attribute and the expression', () => {
  const source = compile({ type: "'com.example.' + body.kind", subject: 'body.customer' });
  failsWith(source, {}, /^cannot map type: No such key: kind \(expression: 'com.example.' \+ body.kind\)$/);
  failsWith(
    source,
    { kind: 'x', customer: { id: 1 } },
    /^cannot map subject: evaluated to a map or other value; an attribute needs a string/,
  );
  failsWith(compile({ type: 'body.kind' }), { kind: null }, /^cannot map type: evaluated to null/);
  failsWith(compile({ type: 'body.kind' }), '{not json', /^the body is not valid JSON/);
  failsWith(compile({ type: "'t'", time: "'yesterday'" }), {}, /time/, 'EY_INVALID_EVENT');
});
