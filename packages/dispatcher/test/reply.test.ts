import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  brokerYaml,
  contractOf,
  eventsOf,
  makeEvent,
  metricValue,
  openLog,
  publish,
  readAll,
  startDispatcher,
  startSubscriber,
  triggerYaml,
  waitUntil,
} from './helpers.ts';

const TOPIC = 'eventyard-broker-ns-default';
const DLQ_TOPIC = `${TOPIC}.dlq`;

test('a binary-mode reply goes back into the broker with one hop less and reaches a second trigger', async (t) => {
  const { log } = await openLog(t);
  const replier = await startSubscriber(t, (request, res) => {
    res.writeHead(200, {
      'ce-specversion': '1.0',
      'ce-id': `reply-of-${request.headers['ce-id']}`,
      'ce-source': '/replier',
      'ce-type': 'order.priced',
      'content-type': 'application/json',
    });
    res.end('{"price":10}');
  });
  const second = await startSubscriber(t);
  const contract = contractOf(
    brokerYaml() +
      triggerYaml({ name: 'pricer', uri: replier.url, type: 'order.created' }) +
      triggerYaml({ name: 'billing', uri: second.url, type: 'order.priced' }),
  );
  const { registry } = await startDispatcher(t, log, contract);
  const original = makeEvent('order.created', { knativebrokerttl: '7' });
  const before = Date.now();
  await publish(log, TOPIC, original);

  const [delivered] = await second.waitFor(1);
  assert.equal(delivered!.headers['ce-id'], `reply-of-${original.attributes.id}`);
  assert.equal(delivered!.headers['ce-type'], 'order.priced');
  assert.equal(delivered!.body.toString(), '{"price":10}');

  const stored = eventsOf(await readAll(log, TOPIC));
  assert.equal(stored.length, 2);
  const reply = stored[1]!.attributes;
  assert.equal(reply.knativebrokerttl, '6', 'TTL decremented from the original event');
  assert.ok(Date.parse(reply.knativearrivaltime!) >= before - 5, 'the reply arrives now');
  assert.equal(
    await metricValue(registry, 'eventyard_dispatch_replies_total', {
      trigger: 'pricer',
      outcome: 'appended',
    }),
    1,
  );
});

test('a structured-mode reply is accepted too', async (t) => {
  const { log } = await openLog(t);
  const replier = await startSubscriber(t, (_r, res) => {
    res.writeHead(202, { 'content-type': 'application/cloudevents+json' });
    res.end(JSON.stringify({ specversion: '1.0', id: 'r1', source: '/r', type: 'done', data: { ok: true } }));
  });
  const second = await startSubscriber(t);
  const contract = contractOf(
    brokerYaml() +
      triggerYaml({ name: 'a', uri: replier.url, type: 'start' }) +
      triggerYaml({ name: 'b', uri: second.url, type: 'done' }),
  );
  await startDispatcher(t, log, contract);
  await publish(log, TOPIC, makeEvent('start'));
  const [delivered] = await second.waitFor(1);
  assert.equal(delivered!.headers['ce-id'], 'r1');
  assert.equal(delivered!.body.toString(), '{"ok":true}');
});

test('the TTL stops a reply loop: the reply that would reach 0 hops is dropped and counted', async (t) => {
  const { log } = await openLog(t);
  let n = 0;
  const looper = await startSubscriber(t, (_r, res) => {
    res.writeHead(200, {
      'ce-specversion': '1.0',
      'ce-id': `loop-${++n}`,
      'ce-source': '/loop',
      'ce-type': 'loop',
    });
    res.end();
  });
  const contract = contractOf(brokerYaml() + triggerYaml({ name: 'looper', uri: looper.url, type: 'loop' }));
  const { registry } = await startDispatcher(t, log, contract);
  await publish(log, TOPIC, makeEvent('loop', { knativebrokerttl: '3' }));
  await looper.waitFor(3);
  await waitUntil(
    async () =>
      (await metricValue(registry, 'eventyard_dispatch_replies_total', {
        trigger: 'looper',
        outcome: 'ttl_exhausted',
      })) === 1,
    3000,
    'the exhausted reply to be counted',
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(looper.received.length, 3, 'ttl 3 → 2 → 1, then the loop ends');
  const ttls = eventsOf(await readAll(log, TOPIC)).map((e) => e.attributes.knativebrokerttl);
  assert.deepEqual(ttls, ['3', '2', '1']);
});

test('a body that is not a CloudEvent is ignored; a malformed CloudEvent reply is a failed delivery', async (t) => {
  const { log } = await openLog(t);
  const plain = await startSubscriber(t, (_r, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('thanks');
  });
  const malformed = await startSubscriber(t, (_r, res) => {
    // ce- headers, but no ce-id nor ce-source.
    res.writeHead(200, { 'ce-specversion': '1.0', 'ce-type': 'oops' });
    res.end();
  });
  const contract = contractOf(
    brokerYaml() +
      triggerYaml({ name: 'plain', uri: plain.url, type: 'p' }) +
      triggerYaml({
        name: 'malformed',
        uri: malformed.url,
        type: 'm',
        delivery: '{ retry: 1, backoffPolicy: linear, backoffDelay: PT0.01S }',
      }),
  );
  const { registry } = await startDispatcher(t, log, contract);
  await publish(log, TOPIC, makeEvent('p'), makeEvent('m'));
  await waitUntil(async () => (await readAll(log, DLQ_TOPIC)).length === 1, 5000, 'the dead letter');
  assert.equal(plain.received.length, 1);
  assert.equal(malformed.received.length, 2, 'retried like any failed delivery');
  assert.equal((await readAll(log, TOPIC)).length, 2, 'no reply appended');
  const [letter] = eventsOf(await readAll(log, DLQ_TOPIC));
  assert.equal(letter!.attributes.type, 'm');
  assert.equal(letter!.attributes.knativeerrorcode, '502');
  assert.match(Buffer.from(letter!.attributes.knativeerrordata!, 'base64').toString(), /invalid CloudEvent/);
  assert.equal(
    await metricValue(registry, 'eventyard_dispatch_replies_total', {
      trigger: 'malformed',
      outcome: 'invalid',
    }),
    2,
  );
});
