import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import {
  compileWebhookSource,
  createWebhookApp,
  type SinkDelivery,
  type WebhookSourceConfig,
} from '@eventyard/sources';
import { Registry } from 'prom-client';
import { FAST, type Subscriber, startSink } from '../helpers.ts';

const SECRET = 'crm-shared-secret';

function crmSource(sink: string, delivery: SinkDelivery = FAST): WebhookSourceConfig {
  const { source, problems } = compileWebhookSource(
    {
      apiVersion: 'sources.eventyard.dev/v1',
      kind: 'WebhookSource',
      metadata: { name: 'crm', namespace: 'callcenter' },
      spec: {
        sink: { uri: sink },
        path: '/crm',
        mapping: {
          type: "'com.example.crm.' + body.event",
          source: "'/crm/' + headers['x-account']",
          id: 'body.id',
          subject: 'body.customer',
        },
        signature: { secretEnv: 'CRM_SECRET', header: 'X-Signature', prefix: 'sha256=' },
        dedup: { window: 'PT1M' },
      },
    },
    { CRM_SECRET: SECRET },
  );
  assert.deepEqual(problems, []);
  return { ...source!, delivery };
}

async function setup(t: { after(fn: () => Promise<void>): void }, sink: Subscriber, delivery?: SinkDelivery) {
  const registry = new Registry();
  const webhook = createWebhookApp({ sources: [crmSource(sink.url, delivery)], registry });
  t.after(() => webhook.close());
  const post = (body: unknown, options: { signature?: string; headers?: Record<string, string> } = {}) => {
    const payload = JSON.stringify(body);
    const signature =
      options.signature ?? `sha256=${createHmac('sha256', SECRET).update(payload).digest('hex')}`;
    return webhook.app.inject({
      method: 'POST',
      url: '/crm',
      headers: {
        'content-type': 'application/json',
        'x-account': 'acme',
        'x-signature': signature,
        ...options.headers,
      },
      payload,
    });
  };
  return { webhook, registry, post };
}

test('a signed webhook becomes a CloudEvent at the broker; 202 once the broker has it', async (t) => {
  const sink = await startSink(t);
  sink.respond((_r, _n, res) => res.writeHead(202).end());
  const { post } = await setup(t, sink);
  const response = await post({ id: 'evt-1', event: 'customer.updated', customer: 'c-42', tier: 'gold' });
  assert.equal(response.statusCode, 202);
  assert.deepEqual(response.json(), {
    status: 'accepted',
    id: 'evt-1',
    source: '/crm/acme',
    type: 'com.example.crm.customer.updated',
  });
  const [delivered] = sink.received;
  assert.equal(delivered!.headers['ce-specversion'], '1.0');
  assert.equal(delivered!.headers['ce-id'], 'evt-1');
  assert.equal(delivered!.headers['ce-type'], 'com.example.crm.customer.updated');
  assert.equal(delivered!.headers['ce-source'], '/crm/acme');
  assert.equal(delivered!.headers['ce-subject'], 'c-42');
  assert.equal(delivered!.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(delivered!.body.toString()), {
    id: 'evt-1',
    event: 'customer.updated',
    customer: 'c-42',
    tier: 'gold',
  });
});

test('a repeated id is acknowledged without publishing again, also while the first is in flight', async (t) => {
  const sink = await startSink(t);
  sink.respond((_r, _n, res) => {
    setTimeout(() => res.writeHead(202).end(), 100);
  });
  const { post, registry } = await setup(t, sink);
  const body = { id: 'evt-2', event: 'customer.created', customer: 'c-7' };
  const [first, concurrent] = await Promise.all([post(body), post(body)]);
  assert.deepEqual([first.statusCode, concurrent.statusCode].sort(), [200, 202]);
  const later = await post(body);
  assert.equal(later.statusCode, 200);
  assert.equal(later.json().status, 'duplicate');
  assert.equal(sink.received.length, 1);
  const other = await post({ ...body, id: 'evt-3' });
  assert.equal(other.statusCode, 202);
  assert.equal(sink.received.length, 2);
  const metrics = await registry.metrics();
  assert.match(
    metrics,
    /eventyard_source_events_total\{kind="webhook",source="callcenter\/crm",outcome="duplicate"\} 2/,
  );
  assert.match(metrics, /eventyard_source_dedup_entries\{source="callcenter\/crm"\} 2/);
});

test('a bad or missing signature is 401 and nothing is published', async (t) => {
  const sink = await startSink(t);
  const { post } = await setup(t, sink);
  const forged = await post(
    { id: 'evt-4', event: 'x', customer: 'c' },
    { signature: `sha256=${'0'.repeat(64)}` },
  );
  assert.equal(forged.statusCode, 401);
  assert.equal(forged.json().code, 'EY_SIGNATURE_INVALID');
  const missing = await post({ id: 'evt-4', event: 'x', customer: 'c' }, { signature: '' });
  assert.equal(missing.statusCode, 401);
  assert.match(missing.json().message, /missing signature header x-signature/);
  assert.equal(sink.received.length, 0);
});

test('a webhook the mapping cannot read is 400 naming the attribute', async (t) => {
  const sink = await startSink(t);
  const { post } = await setup(t, sink);
  const response = await post({ id: 'evt-5', customer: 'c' });
  assert.equal(response.statusCode, 400);
  assert.deepEqual(response.json(), {
    code: 'EY_MAPPING_FAILED',
    message: "cannot map type: No such key: event (expression: 'com.example.crm.' + body.event)",
    details: { attribute: 'type' },
  });
});

test("the broker's rejection reaches the webhook caller with its status and message, without retries", async (t) => {
  const sink = await startSink(t);
  sink.respond((_r, _n, res) => {
    res.writeHead(413, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        code: 'EY_BODY_TOO_LARGE',
        message: 'request body is larger than the limit of 10 bytes',
      }),
    );
  });
  const { post, registry } = await setup(t, sink);
  const response = await post({ id: 'evt-6', event: 'customer.updated', customer: 'c-1' });
  assert.equal(response.statusCode, 413);
  const body = response.json();
  assert.equal(body.code, 'EY_SINK_REJECTED');
  assert.equal(
    body.message,
    'the broker rejected the event with 413 EY_BODY_TOO_LARGE: request body is larger than the limit of 10 bytes',
  );
  assert.equal(body.details.sinkStatus, 413);
  assert.equal(body.details.attempts, 1);
  assert.equal(sink.received.length, 1);
  // Not remembered: once the broker is fixed, the sender's retry goes through.
  sink.respond((_r, _n, res) => res.writeHead(202).end());
  assert.equal((await post({ id: 'evt-6', event: 'customer.updated', customer: 'c-1' })).statusCode, 202);
  assert.match(await registry.metrics(), /outcome="rejected"\} 1/);
});

test('a broker that stays unavailable is 503 with Retry-After after the retries', async (t) => {
  const sink = await startSink(t);
  sink.respond((_r, _n, res) => {
    res.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' }).end(
      JSON.stringify({
        code: 'EY_LOG_UNAVAILABLE',
        message: 'the event log could not persist the event; retry later',
      }),
    );
  });
  const { post, registry } = await setup(t, sink, { ...FAST, retry: 2, retryAfterMaxMs: 20 });
  const response = await post({ id: 'evt-7', event: 'customer.updated', customer: 'c-1' });
  assert.equal(response.statusCode, 503);
  assert.equal(response.headers['retry-after'], '1');
  assert.equal(response.json().code, 'EY_DELIVERY_FAILED');
  assert.match(
    response.json().message,
    /^the broker did not accept the event after 3 attempts: 503 the event log could not persist/,
  );
  assert.equal(sink.received.length, 3);
  assert.match(
    await registry.metrics(),
    /eventyard_source_sink_attempts_total\{kind="webhook",source="callcenter\/crm",code="503"\} 3/,
  );
});

test('other methods on a webhook path are 405; ops routes answer', async (t) => {
  const sink = await startSink(t);
  const { webhook } = await setup(t, sink);
  const get = await webhook.app.inject({ method: 'GET', url: '/crm' });
  assert.equal(get.statusCode, 405);
  assert.equal(get.headers.allow, 'POST');
  assert.equal(
    (await webhook.app.inject({ method: 'POST', url: '/elsewhere', payload: '{}' })).statusCode,
    404,
  );
  assert.equal((await webhook.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  const metrics = await webhook.app.inject({ method: 'GET', url: '/metrics' });
  assert.match(metrics.body, /eventyard_source_webhook_requests_total/);
});
