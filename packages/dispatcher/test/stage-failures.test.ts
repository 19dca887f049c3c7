// An exception in any stage of the per-record path (decode, match, queueing, delivery, reply,
// commit) neither loses nor repeats a record: each failpoint is armed once, and every event is then
// either delivered once or dead-lettered once with the reason, and the partition is committed.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { fromLogRecord } from '@eventyard/core';
import { brokerGroup } from '../src/broker-dispatcher.ts';
import { armFailpoint, disarmFailpoints, type Failpoint } from '../src/failpoints.ts';
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
  type TestContext,
  triggerYaml,
  waitUntil,
} from './helpers.ts';

const TOPIC = 'eventyard-broker-ns-default';
const DLQ = `${TOPIC}.dlq`;
const GROUP = brokerGroup('eventyard-dispatcher', { topic: TOPIC });

afterEach(() => disarmFailpoints());

/** Two triggers (a, b) on one broker, three events; `point` throws once. */
async function runWithFailure(t: TestContext, point: Failpoint, times = 1) {
  const { log } = await openLog(t);
  const a = await startSubscriber(t);
  const b = await startSubscriber(t);
  const { registry } = await startDispatcher(
    t,
    log,
    contractOf(
      brokerYaml() + triggerYaml({ name: 'a', uri: a.url }) + triggerYaml({ name: 'b', uri: b.url }),
    ),
  );
  armFailpoint(point, times);
  const events = [makeEvent('one'), makeEvent('two'), makeEvent('three')];
  await publish(log, TOPIC, ...events);
  await waitUntil(
    async () => (await log.committedOffsets(GROUP, TOPIC))[0] === 3,
    5000,
    'all three committed',
  );
  // Nothing arrives later: no event is read again.
  await new Promise((resolve) => setTimeout(resolve, 400));
  const ids = (received: { event: { attributes: Record<string, string> } }[]) =>
    received.map((r) => r.event.attributes.id);
  const deadLetters = (await readAll(log, DLQ)).map((record) => {
    const reason = record.headers.eyr_error;
    if (reason !== undefined) return { id: undefined, trigger: undefined, reason };
    const event = fromLogRecord(record);
    return {
      id: event.attributes.id,
      trigger: event.attributes.eventyardtrigger,
      reason: event.attributes.eventyarderror,
    };
  });
  return {
    ids: events.map((e) => e.attributes.id),
    a: ids(a.received),
    b: ids(b.received),
    deadLetters,
    registry,
  };
}

for (const point of ['decode', 'match'] as const) {
  test(`a throw while ${point === 'decode' ? 'decoding' : 'matching'} a record moves it to the dead-letter topic; the rest flow`, async (t) => {
    const { ids, a, b, deadLetters } = await runWithFailure(t, point);
    assert.deepEqual(a, ids.slice(1));
    assert.deepEqual(b, ids.slice(1));
    assert.equal(deadLetters.length, 1);
    assert.match(deadLetters[0]!.reason!, new RegExp(`^${TOPIC}/0/0: .*failpoint ${point}`));
  });
}

test('a throw while queueing for one trigger dead-letters that delivery only', async (t) => {
  const { ids, a, b, deadLetters, registry } = await runWithFailure(t, 'enqueue');
  assert.deepEqual(a, ids.slice(1), 'trigger a lost the first event to the failure');
  assert.deepEqual(b, ids, 'trigger b got every event');
  assert.deepEqual(
    deadLetters.map(({ id, trigger }) => ({ id, trigger })),
    [{ id: ids[0], trigger: 'ns/a' }],
  );
  assert.match(deadLetters[0]!.reason!, /queueing the delivery failed: failpoint enqueue/);
  assert.equal(
    await metricValue(registry, 'eventyard_dispatch_dead_letters_total', {
      trigger: 'a',
      destination: 'topic',
    }),
    1,
  );
});

for (const point of ['deliver', 'reply'] as const) {
  test(`a throw while ${point === 'deliver' ? 'delivering' : 'handling the answer'} dead-letters that delivery, logged with the reason`, async (t) => {
    const { ids, a, b, deadLetters } = await runWithFailure(t, point);
    const lost = point === 'deliver' ? 1 : 0; // a reply failure comes after the subscriber got it
    assert.equal(a.length + b.length, 6 - lost);
    assert.equal(
      new Set([...a, ...b].map((id, i) => `${i < a.length ? 'a' : 'b'}${id}`)).size,
      a.length + b.length,
    );
    assert.equal(deadLetters.length, 1);
    assert.ok(ids.includes(deadLetters[0]!.id!));
    assert.match(deadLetters[0]!.reason!, new RegExp(`delivery failed unexpectedly: failpoint ${point}`));
  });
}

test('failing commits are tried again: nothing is read twice', async (t) => {
  const { ids, a, b, deadLetters } = await runWithFailure(t, 'commit', 3);
  assert.deepEqual(a, ids);
  assert.deepEqual(b, ids);
  assert.deepEqual(deadLetters, []);
});

test('data nested 10,000 deep: a CEL trigger reading it counts a filter error, every other trigger gets the event once', async (t) => {
  const { log } = await openLog(t);
  const plain = await startSubscriber(t);
  const cel = await startSubscriber(t);
  const yaml = `${brokerYaml()}${triggerYaml({ name: 'plain', uri: plain.url })}---
apiVersion: eventyard.dev/v1
kind: Trigger
metadata: { name: cel, namespace: ns }
spec:
  broker: default
  filters: [ { cel: "has(event.data.a) && event.data.a != null" } ]
  subscriber: { uri: "${cel.url}" }
`;
  const { registry } = await startDispatcher(t, log, contractOf(yaml));
  const depth = 10_000;
  const hostile = makeEvent('deep', {}, `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
  const after = [makeEvent('next', {}, '{"a":1}'), makeEvent('next', {}, '{"a":2}')];
  await publish(log, TOPIC, hostile, ...after);
  await waitUntil(
    async () => (await log.committedOffsets(GROUP, TOPIC))[0] === 3,
    5000,
    'all three committed',
  );
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.deepEqual(
    plain.received.map((r) => r.event.attributes.id),
    [hostile, ...after].map((e) => e.attributes.id),
  );
  assert.deepEqual(
    cel.received.map((r) => r.event.attributes.id),
    after.map((e) => e.attributes.id),
  );
  assert.equal(await metricValue(registry, 'eventyard_filter_errors_total', { trigger: 'cel' }), 1);
  assert.deepEqual(await readAll(log, DLQ), []);
});
