import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { brokerGroup, brokerRetryGroup } from '../src/broker-dispatcher.ts';
import { createDispatcher } from '../src/index.ts';
import {
  brokerYaml,
  contractOf,
  defer,
  eventsOf,
  makeEvent,
  openLog,
  publish,
  readAll,
  startDispatcher,
  startSubscriber,
  triggerYaml,
  waitUntil,
} from './helpers.ts';

const TOPIC = 'eventyard-broker-ns-default';
const RETRY_TOPIC = `${TOPIC}.retry`;
/** The consumer group of broker ns/default in the default dispatcher deployment. */
const GROUP = brokerGroup('eventyard-dispatcher', { topic: 'eventyard-broker-ns-default' });
const RETRY_GROUP = brokerRetryGroup('eventyard-dispatcher', { topic: 'eventyard-broker-ns-default' });

const never = () => new Promise<void>(() => {});

test('a restart re-delivers nothing that was finished and everything that was not', async (t) => {
  const { log } = await openLog(t);
  const first = await startSubscriber(t, async (_r, _res, i) => {
    if (i >= 5) await never();
  });
  const sequential = { 'eventyard.dev/max-in-flight': '1' };
  const events = Array.from({ length: 10 }, () => makeEvent('job'));
  const dispatcher = createDispatcher({
    log,
    registry: new Registry(),
    commitIntervalMs: 20,
    stopTimeoutMs: 200,
  });
  await dispatcher.applyContract(
    contractOf(brokerYaml() + triggerYaml({ name: 'jobs', uri: first.url, annotations: sequential })),
  );
  await publish(log, TOPIC, ...events);
  await first.waitFor(6);
  // The sixth delivery hangs; stop abandons it after 200 ms and commits the five finished ones.
  await dispatcher.stop();
  assert.deepEqual(await log.committedOffsets(GROUP, TOPIC), [5]);

  const second = await startSubscriber(t);
  await startDispatcher(t, log, contractOf(brokerYaml() + triggerYaml({ name: 'jobs', uri: second.url })));
  await second.waitFor(5);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(
    second.received.map((r) => r.headers['ce-id']).sort(),
    events
      .slice(5)
      .map((e) => e.attributes.id)
      .sort(),
  );
  assert.equal(first.received.length, 6);
});

test('stop lets deliveries in flight finish and commits them', async (t) => {
  const { log } = await openLog(t);
  const slow = await startSubscriber(t, () => new Promise((resolve) => setTimeout(resolve, 300)));
  const dispatcher = createDispatcher({ log, registry: new Registry() });
  await dispatcher.applyContract(contractOf(brokerYaml() + triggerYaml({ name: 'jobs', uri: slow.url })));
  await publish(log, TOPIC, ...Array.from({ length: 5 }, () => makeEvent('job')));
  await slow.waitFor(5);
  const stopping = Date.now();
  await dispatcher.stop();
  assert.ok(Date.now() - stopping >= 200, 'waited for the answers');
  assert.deepEqual(await log.committedOffsets(GROUP, TOPIC), [5]);

  const again = await startSubscriber(t);
  await startDispatcher(t, log, contractOf(brokerYaml() + triggerYaml({ name: 'jobs', uri: again.url })));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(again.received.length, 0);
});

test('a retry waiting in the retry topic survives a restart', async (t) => {
  const { log } = await openLog(t);
  const failing = await startSubscriber(t, (_r, res) => void res.writeHead(503));
  const yaml = (uri: string) =>
    brokerYaml() +
    triggerYaml({ name: 'jobs', uri, delivery: '{ retry: 3, backoffPolicy: linear, backoffDelay: PT0.6S }' });
  const dispatcher = createDispatcher({
    log,
    registry: new Registry(),
    inPlaceRetryMaxMs: 100,
    commitIntervalMs: 20,
  });
  await dispatcher.applyContract(contractOf(yaml(failing.url)));
  const event = makeEvent('job');
  await publish(log, TOPIC, event);
  await waitUntil(async () => (await readAll(log, RETRY_TOPIC)).length === 1, 3000, 'the retry record');
  const due = Number((await readAll(log, RETRY_TOPIC))[0]!.headers.eyr_due);
  await dispatcher.stop();
  assert.deepEqual(await log.committedOffsets(GROUP, TOPIC), [1], 'the main topic is done with it');

  const healthy = await startSubscriber(t);
  await startDispatcher(t, log, contractOf(yaml(healthy.url)), { inPlaceRetryMaxMs: 100 });
  const [delivered] = await healthy.waitFor(1, 3000);
  assert.equal(delivered!.headers['ce-id'], event.attributes.id);
  assert.ok(delivered!.at >= due - 5, 'not before it is due');
  assert.equal(failing.received.length, 1);
  await waitUntil(
    async () => (await log.committedOffsets(RETRY_GROUP, RETRY_TOPIC))[0] === 1,
    3000,
    'retry commit',
  );
});

test('a new Contract is applied as a diff: triggers change without re-reading, removed brokers stop', async (t) => {
  const { log } = await openLog(t);
  const a1 = await startSubscriber(t);
  const a2 = await startSubscriber(t);
  const b = await startSubscriber(t);
  const first = contractOf(brokerYaml() + triggerYaml({ name: 'a', uri: a1.url, type: 'a' }));
  const { dispatcher } = await startDispatcher(t, log, first);
  await publish(log, TOPIC, makeEvent('a'), makeEvent('b'));
  await a1.waitFor(1);

  const second = contractOf(
    brokerYaml() +
      triggerYaml({ name: 'a', uri: a2.url, type: 'a' }) +
      triggerYaml({ name: 'b', uri: b.url, type: 'b' }),
    first,
  );
  await dispatcher.applyContract(second);
  await publish(log, TOPIC, makeEvent('a'), makeEvent('b'));
  await a2.waitFor(1);
  await b.waitFor(1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(a1.received.length, 1, 'the old subscriber gets nothing more');
  assert.equal(a2.received.length, 1, 'the first event is not read again');
  assert.equal(b.received.length, 1, 'the new trigger starts with new events (Knative semantics)');

  // The broker is removed (its triggers remain, not ready): its events are no longer read.
  const third = contractOf(triggerYaml({ name: 'a', uri: a2.url, type: 'a' }), second);
  await dispatcher.applyContract(third);
  await publish(log, TOPIC, makeEvent('a'));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(a2.received.length, 1);
  assert.deepEqual(await log.committedOffsets(GROUP, TOPIC), [4]);

  // Removed triggers are not delivered to either.
  const fourth = contractOf(brokerYaml() + triggerYaml({ name: 'b', uri: b.url, type: 'b' }), third);
  await dispatcher.applyContract(fourth);
  await publish(log, TOPIC, makeEvent('a'), makeEvent('b'));
  await b.waitFor(2);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(a2.received.length, 1);
});

test('stop is idempotent and a stopped dispatcher refuses new Contracts', async (t) => {
  const { log } = await openLog(t);
  const dispatcher = createDispatcher({ log, registry: new Registry() });
  defer(t, () => dispatcher.stop());
  await dispatcher.applyContract(contractOf(brokerYaml()));
  await Promise.all([dispatcher.stop(), dispatcher.stop()]);
  await assert.rejects(dispatcher.applyContract(contractOf(brokerYaml())), /stopped/);
});

test('a retry whose trigger was removed is dead-lettered with the reason, not lost', async (t) => {
  const { log } = await openLog(t);
  const failing = await startSubscriber(t, (_r, res) => void res.writeHead(500));
  const first = contractOf(
    brokerYaml() +
      triggerYaml({
        name: 'jobs',
        uri: failing.url,
        delivery: '{ retry: 3, backoffPolicy: linear, backoffDelay: PT0.4S }',
      }),
  );
  const { dispatcher } = await startDispatcher(t, log, first, { inPlaceRetryMaxMs: 100 });
  const event = makeEvent('job');
  await publish(log, TOPIC, event);
  await waitUntil(async () => (await readAll(log, RETRY_TOPIC)).length === 1, 3000, 'the retry record');
  await dispatcher.applyContract(contractOf(brokerYaml(), first));
  await waitUntil(async () => (await readAll(log, `${TOPIC}.dlq`)).length === 1, 3000, 'the dead letter');
  const [letter] = eventsOf(await readAll(log, `${TOPIC}.dlq`));
  assert.equal(letter!.attributes.id, event.attributes.id);
  assert.equal(letter!.attributes.eventyardtrigger, 'ns/jobs');
  assert.equal(letter!.attributes.eventyardattempts, '1');
  assert.match(letter!.attributes.eventyarderror!, /trigger ns\/jobs no longer exists/);
  assert.equal(failing.received.length, 1);
  await waitUntil(
    async () => (await log.committedOffsets(RETRY_GROUP, RETRY_TOPIC))[0] === 1,
    3000,
    'retry commit',
  );
});

test('a broker that cannot be read is reported and does not stop the others', async (t) => {
  const { log } = await openLog(t);
  // Another consumer of the same group holds broker a's topic.
  await log.ensureTopic({ name: 'eventyard-broker-ns-a', partitions: 1 });
  const holder = await log.consume({
    group: brokerGroup('eventyard-dispatcher', { topic: 'eventyard-broker-ns-a' }),
    topic: 'eventyard-broker-ns-a',
    onBatch: async () => {},
  });
  defer(t, () => holder.close());
  const subscriber = await startSubscriber(t);
  const dispatcher = createDispatcher({ log, registry: new Registry() });
  defer(t, () => dispatcher.stop());
  const contract = contractOf(
    brokerYaml('a') +
      brokerYaml('b').replace(/^/, '---\n') +
      triggerYaml({ name: 'tb', broker: 'b', uri: subscriber.url }),
  );
  await assert.rejects(dispatcher.applyContract(contract), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'EY_LOG_UNAVAILABLE');
    assert.match(error.message, /1 broker\(s\) could not be dispatched/);
    return true;
  });
  await publish(log, 'eventyard-broker-ns-b', makeEvent('x'));
  await subscriber.waitFor(1);
});
