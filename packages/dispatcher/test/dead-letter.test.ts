import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerGroup } from '../src/broker-dispatcher.ts';
import {
  brokerYaml,
  closedPortUrl,
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

test('the dead-letter sink receives the event with the Knative error extensions and ours', async (t) => {
  const { log } = await openLog(t);
  const body = Buffer.alloc(2000, 'x');
  body.write('{"error":"bad order"}');
  const subscriber = await startSubscriber(t, (_r, res) => {
    res.writeHead(422, { 'content-type': 'application/json' });
    res.end(body);
  });
  const sink = await startSubscriber(t);
  const contract = contractOf(
    brokerYaml() +
      triggerYaml({
        name: 'orders',
        uri: subscriber.url,
        delivery: `{ retry: 3, deadLetterSink: { uri: "${sink.url}" } }`,
      }),
  );
  const { registry } = await startDispatcher(t, log, contract);
  const event = makeEvent('order.created', {}, '{"total":1}');
  await publish(log, TOPIC, event);

  const [letter] = await sink.waitFor(1);
  assert.equal(subscriber.received.length, 1, '422 is final: no retry');
  const headers = letter!.headers;
  assert.equal(headers['ce-id'], event.attributes.id);
  assert.equal(headers['ce-type'], 'order.created');
  assert.equal(headers['ce-knativeerrordest'], subscriber.url);
  assert.equal(headers['ce-knativeerrorcode'], '422');
  const data = Buffer.from(String(headers['ce-knativeerrordata']), 'base64');
  assert.equal(data.length, 1024, 'the body truncated to 1024 bytes, then base64');
  assert.deepEqual(data, body.subarray(0, 1024));
  assert.equal(headers['ce-eventyardtrigger'], 'ns/orders');
  assert.equal(headers['ce-eventyardattempts'], '1');
  assert.equal(headers['ce-knativebrokerttl'], undefined);
  assert.equal(
    headers['ce-eventyarderror'],
    undefined,
    'only the dead-letter topic says why the sink was bypassed',
  );
  assert.equal(letter!.body.toString(), '{"total":1}');
  await waitUntil(
    async () =>
      (await metricValue(registry, 'eventyard_dispatch_dead_letters_total', {
        trigger: 'orders',
        destination: 'sink',
      })) === 1,
    3000,
    'the sink dead letter to be counted',
  );
  assert.equal((await readAll(log, DLQ_TOPIC)).length, 0);
});

test('when the sink is down too, the event goes to the broker dead-letter topic: never dropped', async (t) => {
  const { log } = await openLog(t);
  const subscriber = await startSubscriber(t, (_r, res) => void res.writeHead(500));
  const sink = await closedPortUrl();
  const contract = contractOf(
    brokerYaml() +
      triggerYaml({
        name: 'orders',
        uri: subscriber.url,
        delivery: `{ retry: 1, backoffPolicy: linear, backoffDelay: PT0.01S, deadLetterSink: { uri: "${sink}" } }`,
      }),
  );
  const { registry } = await startDispatcher(t, log, contract);
  const event = makeEvent('order.created', {}, '{"total":2}');
  await publish(log, TOPIC, event);
  await waitUntil(
    async () => (await readAll(log, DLQ_TOPIC)).length === 1,
    5000,
    'the dead-letter topic record',
  );
  const [letter] = eventsOf(await readAll(log, DLQ_TOPIC));
  const attributes = letter!.attributes;
  assert.equal(subscriber.received.length, 2);
  assert.equal(attributes.id, event.attributes.id);
  assert.equal(attributes.knativeerrordest, subscriber.url);
  assert.equal(attributes.knativeerrorcode, '500');
  assert.equal(attributes.eventyardtrigger, 'ns/orders');
  assert.equal(attributes.eventyardattempts, '2');
  assert.match(attributes.eventyarderror!, /dead-letter sink .* failed: dispatch error: .*after 2 attempts/);
  assert.match(attributes.eventyarderror!, /the subscriber answered HTTP 500/);
  assert.equal(Buffer.from(letter!.data!).toString(), '{"total":2}');
  await waitUntil(
    async () =>
      (await metricValue(registry, 'eventyard_dispatch_dead_letters_total', {
        trigger: 'orders',
        destination: 'topic',
      })) === 1,
    3000,
    'the topic dead letter to be counted',
  );
  // The main topic is committed: the dead letter finished the event.
  await waitUntil(
    async () =>
      (
        await log.committedOffsets(
          brokerGroup('eventyard-dispatcher', { topic: 'eventyard-broker-ns-default' }),
          TOPIC,
        )
      )[0] === 1,
    3000,
    'commit',
  );
});

test('the broker dead-letter sink is used when the trigger sets none', async (t) => {
  const { log } = await openLog(t);
  const subscriber = await startSubscriber(t, (_r, res) => void res.writeHead(400));
  const sink = await startSubscriber(t);
  const yaml = `apiVersion: eventyard.dev/v1
kind: Broker
metadata: { name: default, namespace: ns }
spec:
  partitions: 1
  delivery: { deadLetterSink: { uri: "${sink.url}" } }
${triggerYaml({ name: 'orders', uri: subscriber.url })}`;
  await startDispatcher(t, log, contractOf(yaml));
  await publish(log, TOPIC, makeEvent('x'));
  const [letter] = await sink.waitFor(1);
  assert.equal(letter!.headers['ce-knativeerrorcode'], '400');
  assert.equal(letter!.headers['ce-eventyardtrigger'], 'ns/orders');
});
