import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerGroup } from '../src/broker-dispatcher.ts';
import {
  brokerYaml,
  contractOf,
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
/** The consumer group of broker ns/default in the default dispatcher deployment. */
const GROUP = brokerGroup('eventyard-dispatcher', { topic: 'eventyard-broker-ns-default' });

test('a full trigger queue pauses the partition: memory stays bounded, the backlog waits in the log', async (t) => {
  const { log } = await openLog(t);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const slow = await startSubscriber(t, () => gate);
  const fast = await startSubscriber(t);
  const contract = contractOf(
    brokerYaml() +
      triggerYaml({ name: 'slow', uri: slow.url, annotations: { 'eventyard.dev/max-in-flight': '2' } }) +
      triggerYaml({ name: 'fast', uri: fast.url }),
  );
  const { registry } = await startDispatcher(t, log, contract, {
    queueCapacity: 5,
    maxBatchSize: 10,
    lagIntervalMs: 50,
  });
  await publish(log, TOPIC, ...Array.from({ length: 100 }, () => makeEvent('job')));

  await slow.waitFor(2);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const labels = { namespace: 'ns', broker: 'default', trigger: 'slow' };
  assert.equal(await metricValue(registry, 'eventyard_trigger_in_flight', labels), 2);
  assert.equal(
    await metricValue(registry, 'eventyard_trigger_queue_length', labels),
    5,
    'the queue stops at its capacity',
  );
  // Reading stopped after 2 in flight + 5 queued: the other trigger of the broker waits too.
  assert.equal(fast.received.length, 7);
  assert.equal(slow.received.length, 2);
  assert.equal((await log.committedOffsets(GROUP, TOPIC))[0] ?? 0, 0, 'nothing committed');
  await waitUntil(
    async () => (await metricValue(registry, 'eventyard_consumer_lag', { topic: TOPIC })) === 100,
    3000,
    'the lag to show the backlog',
  );

  release();
  await slow.waitFor(100);
  await fast.waitFor(100);
  await waitUntil(
    async () => (await log.committedOffsets(GROUP, TOPIC))[0] === 100,
    3000,
    'everything committed',
  );
  await waitUntil(
    async () => (await metricValue(registry, 'eventyard_consumer_lag', { topic: TOPIC })) === 0,
    3000,
    'the lag to drain',
  );
  assert.equal(await metricValue(registry, 'eventyard_trigger_queue_length', labels), 0);
  assert.equal(await metricValue(registry, 'eventyard_trigger_in_flight', labels), 0);
});

test('an ordered trigger delivers one event per partition key at a time, keys in parallel', async (t) => {
  const { log } = await openLog(t);
  const active = new Map<string, number>();
  let overlap = 0;
  let concurrentKeys = 0;
  const subscriber = await startSubscriber(t, async (request) => {
    const key = String(request.headers['ce-partitionkey']);
    active.set(key, (active.get(key) ?? 0) + 1);
    if (active.get(key)! > 1) overlap++;
    concurrentKeys = Math.max(concurrentKeys, [...active.values()].filter((n) => n > 0).length);
    await new Promise((resolve) => setTimeout(resolve, 30));
    active.set(key, active.get(key)! - 1);
  });
  const contract = contractOf(
    brokerYaml() +
      triggerYaml({
        name: 'ordered',
        uri: subscriber.url,
        annotations: { 'eventyard.dev/delivery-order': 'ordered' },
      }),
  );
  await startDispatcher(t, log, contract);
  const events = [];
  for (let i = 0; i < 5; i++) {
    events.push(
      makeEvent('e', { partitionkey: 'k1', seq: String(i) }),
      makeEvent('e', { partitionkey: 'k2', seq: String(i) }),
    );
  }
  await publish(log, TOPIC, ...events);
  await subscriber.waitFor(10);
  assert.equal(overlap, 0, 'never two deliveries of one key at once');
  assert.equal(concurrentKeys, 2, 'different keys proceed in parallel');
  for (const key of ['k1', 'k2']) {
    const seqs = subscriber.received
      .filter((r) => r.headers['ce-partitionkey'] === key)
      .map((r) => r.headers['ce-seq']);
    assert.deepEqual(seqs, ['0', '1', '2', '3', '4'], `order of ${key}`);
  }
});

test('a CEL evaluation error is no match, counted per trigger', async (t) => {
  const { log } = await openLog(t);
  const subscriber = await startSubscriber(t);
  const yaml = `${brokerYaml()}---
apiVersion: eventyard.dev/v1
kind: Trigger
metadata: { name: big, namespace: ns }
spec:
  broker: default
  filters: [ { cel: "event.data.amount > 100" } ]
  subscriber: { uri: "${subscriber.url}" }
`;
  const { registry } = await startDispatcher(t, log, contractOf(yaml));
  await publish(log, TOPIC, makeEvent('x', {}, '{"other":1}'), makeEvent('x', {}, '{"amount":500}'));
  const [delivered] = await subscriber.waitFor(1);
  assert.equal(delivered!.body.toString(), '{"amount":500}');
  await waitUntil(async () => (await log.committedOffsets(GROUP, TOPIC))[0] === 2, 3000, 'commit');
  assert.equal(await metricValue(registry, 'eventyard_filter_errors_total', { trigger: 'big' }), 1);
  assert.equal(subscriber.received.length, 1);
});

test('a record that is not a CloudEvent is moved to the dead-letter topic and does not block the rest', async (t) => {
  const { log } = await openLog(t);
  const subscriber = await startSubscriber(t);
  await startDispatcher(t, log, contractOf(brokerYaml() + triggerYaml({ name: 'all', uri: subscriber.url })));
  await log.append(TOPIC, [{ key: 'k', value: Buffer.from('not an event'), headers: { 'x-tool': 'other' } }]);
  await publish(log, TOPIC, makeEvent('x'));
  await subscriber.waitFor(1);
  await waitUntil(async () => (await log.committedOffsets(GROUP, TOPIC))[0] === 2, 3000, 'commit');
  const [moved] = await readAll(log, `${TOPIC}.dlq`);
  assert.equal(Buffer.from(moved!.value!).toString(), 'not an event');
  assert.equal(moved!.key, 'k');
  assert.equal(moved!.headers['x-tool'], 'other');
  assert.match(moved!.headers.eyr_error!, /^eventyard-broker-ns-default\/0\/0: /);
});
