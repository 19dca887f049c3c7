import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent } from 'undici';
import { parseTarget, sendAttempt } from '../src/delivery.ts';
import {
  brokerYaml,
  contractOf,
  makeEvent,
  metricValue,
  openLog,
  publish,
  startDispatcher,
  startSubscriber,
  triggerYaml,
  waitUntil,
} from './helpers.ts';

const TOPIC = 'eventyard-broker-ns-default';

test('delivers in binary mode with Prefer: reply, trace headers, and no broker TTL', async (t) => {
  const { log } = await openLog(t);
  const subscriber = await startSubscriber(t);
  const contract = contractOf(
    brokerYaml() + triggerYaml({ name: 'orders', uri: subscriber.url, type: 'order.created' }),
  );
  const { registry } = await startDispatcher(t, log, contract);

  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  await publish(
    log,
    TOPIC,
    makeEvent(
      'order.created',
      { traceparent, tracestate: 'congo=t61rcWkgMzE', subject: 'a b%' },
      '{"total":42}',
    ),
  );
  const [request] = await subscriber.waitFor(1);
  assert.ok(request);
  assert.equal(request.headers['ce-type'], 'order.created');
  assert.equal(request.headers['ce-specversion'], '1.0');
  assert.equal(request.headers['ce-subject'], 'a%20b%25', 'percent-encoded per HTTP binding §3.1.3.2');
  assert.equal(request.headers['content-type'], 'application/json');
  assert.equal(request.headers.prefer, 'reply');
  assert.equal(request.headers.traceparent, traceparent);
  assert.equal(request.headers.tracestate, 'congo=t61rcWkgMzE');
  assert.equal(
    request.headers['ce-knativebrokerttl'],
    undefined,
    'the TTL is the broker’s, not the subscriber’s',
  );
  assert.ok(request.headers['ce-knativearrivaltime']);
  assert.equal(request.body.toString(), '{"total":42}');

  await waitUntil(
    async () =>
      (await metricValue(registry, 'eventyard_dispatch_events_total', {
        trigger: 'orders',
        response_code_class: '2xx',
      })) === 1,
    5000,
    'the 2xx to be counted',
  );
  const latencyCount = await metricValue(
    registry,
    'eventyard_dispatch_latency_seconds',
    { namespace: 'ns', broker: 'default', trigger: 'orders' },
    'eventyard_dispatch_latency_seconds_count',
  );
  assert.equal(latencyCount, 1);
});

test('delivers in structured mode when delivery.format is json', async (t) => {
  const { log } = await openLog(t);
  const subscriber = await startSubscriber(t);
  const contract = contractOf(
    brokerYaml() + triggerYaml({ name: 'json', uri: subscriber.url, delivery: '{ format: json }' }),
  );
  await startDispatcher(t, log, contract);
  await publish(log, TOPIC, makeEvent('order.created', {}, '{"total":42}'));
  const [request] = await subscriber.waitFor(1);
  assert.ok(request);
  assert.match(String(request.headers['content-type']), /^application\/cloudevents\+json/);
  assert.equal(request.headers['ce-type'], undefined);
  assert.equal(request.headers.prefer, 'reply');
  const body = JSON.parse(request.body.toString());
  assert.equal(body.type, 'order.created');
  assert.deepEqual(body.data, { total: 42 });
  assert.equal(body.knativebrokerttl, undefined);
});

test('a trigger whose filter does not match gets nothing; the matching one gets only its events', async (t) => {
  const { log } = await openLog(t);
  const orders = await startSubscriber(t);
  const refunds = await startSubscriber(t);
  const contract = contractOf(
    brokerYaml() +
      triggerYaml({ name: 'orders', uri: orders.url, type: 'order.created' }) +
      triggerYaml({ name: 'refunds', uri: refunds.url, type: 'refund.issued' }),
  );
  await startDispatcher(t, log, contract);
  await publish(log, TOPIC, makeEvent('order.created'), makeEvent('order.created'), makeEvent('other'));
  await orders.waitFor(2);
  // Give a wrong delivery time to show up.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(refunds.received.length, 0);
  assert.equal(orders.received.length, 2);
  assert.ok(orders.received.every((r) => r.headers['ce-type'] === 'order.created'));
});

test('a trigger that is not ready is not delivered to', async (t) => {
  const { log } = await openLog(t);
  const subscriber = await startSubscriber(t);
  const yaml = `${brokerYaml()}---
apiVersion: eventyard.dev/v1
kind: Trigger
metadata: { name: broken, namespace: ns }
spec:
  broker: default
  filters: [ { cel: "event.type ==" } ]
  subscriber: { uri: "${subscriber.url}" }
`;
  const contract = contractOf(yaml);
  assert.equal(contract.triggers.get('ns/broken')?.status.ready, false);
  await startDispatcher(t, log, contract);
  await publish(log, TOPIC, makeEvent('x'));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(subscriber.received.length, 0);
});

const MESSAGE = { headers: { 'ce-id': '1', 'content-type': 'text/plain' }, body: Buffer.from('hello') };

test('an attempt keeps a 2xx body whole and 1024 bytes of an error body, closing a connection it cut short', async (t) => {
  const subscriber = await startSubscriber(t, (request, res, index) => {
    if (index === 1) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('x'.repeat(64 * 1024));
      return;
    }
    res.writeHead(200, { 'ce-id': `reply-${index}`, 'x-twice': ['a', 'b'] });
    res.end(`reply to ${request.body.toString()}`);
  });
  const http = new Agent();
  t.after(() => http.close());
  const connections: string[] = [];
  http.on('connect', (origin) => connections.push(String(origin)));
  const target = parseTarget(subscriber.url);
  const stop = new AbortController().signal;

  const ok = await sendAttempt(http, target, MESSAGE, 5000, stop);
  assert.equal(ok.kind, 'response');
  assert.ok(ok.kind === 'response');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['ce-id'], 'reply-0');
  assert.deepEqual(ok.headers['x-twice'], ['a', 'b']);
  assert.equal(Buffer.from(ok.body).toString(), 'reply to hello');
  assert.equal(ok.truncated, false);

  const failed = await sendAttempt(http, target, MESSAGE, 5000, stop);
  assert.ok(failed.kind === 'response');
  assert.equal(failed.status, 500);
  assert.equal(failed.body.length, 1024);
  assert.equal(failed.truncated, true);

  const again = await sendAttempt(http, target, MESSAGE, 5000, stop);
  assert.ok(again.kind === 'response');
  assert.equal(again.status, 200);
  assert.equal(connections.length, 2, 'the connection of the cut-short response is not reused');
  assert.equal(subscriber.received.length, 3);
});

test('an attempt ends at its timeout, whether the subscriber stalls mid-body or no connection is made', async (t) => {
  const subscriber = await startSubscriber(t, async (_request, res) => {
    res.writeHead(200, { 'content-length': '10' });
    res.write('12345');
    await new Promise((resolve) => setTimeout(resolve, 2000));
  });
  const http = new Agent();
  t.after(() => http.close());
  const stop = new AbortController().signal;
  let started = performance.now();
  const stalled = await sendAttempt(http, parseTarget(subscriber.url), MESSAGE, 200, stop);
  assert.deepEqual(stalled, { kind: 'timeout', message: 'no answer within 200 ms' });
  assert.ok(performance.now() - started < 1500);

  // A connection that never completes: the attempt still ends at its timeout.
  const hanging = new Agent({ connect: () => {} });
  t.after(() => hanging.destroy());
  started = performance.now();
  const unconnected = await sendAttempt(hanging, parseTarget('http://127.0.0.1:9/'), MESSAGE, 200, stop);
  assert.equal(unconnected.kind, 'timeout');
  assert.ok(performance.now() - started < 1500);
});

test('stopping ends the attempts in flight at once, as aborted; a stopped dispatcher sends nothing', async (t) => {
  const subscriber = await startSubscriber(t, async () => {
    await new Promise((resolve) => setTimeout(resolve, 2000));
  });
  const http = new Agent();
  t.after(() => http.close());
  const target = parseTarget(subscriber.url);
  const stop = new AbortController();
  const started = performance.now();
  const attempts = [1, 2, 3].map(() => sendAttempt(http, target, MESSAGE, 30_000, stop.signal));
  await subscriber.waitFor(3);
  stop.abort();
  assert.deepEqual(await Promise.all(attempts), [
    { kind: 'aborted' },
    { kind: 'aborted' },
    { kind: 'aborted' },
  ]);
  assert.ok(performance.now() - started < 1500);
  assert.deepEqual(await sendAttempt(http, target, MESSAGE, 30_000, stop.signal), { kind: 'aborted' });
  assert.equal(subscriber.received.length, 3);
});
