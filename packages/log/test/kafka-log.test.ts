/**
 * What only the Kafka log has to show: records other Kafka tools can read, bounded failure when the
 * broker is away (and recovery when it is back), heartbeats during slow batches, and consumer
 * groups shared between processes and topics.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CloudEvent, isEventyardError, toLogRecord } from '@eventyard/core';
import { Kafka as CloudEventsKafka } from 'cloudevents';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers } from '../../../test/kafka/brokers.ts';
import { startKafka } from '../../../test/kafka/kafka.ts';
import {
  type EventLog,
  type KafkaLogOptions,
  openKafkaLog,
  partitionFor,
  type RecordBatch,
} from '../src/index.ts';

const brokers = kafkaBrokers();
const run = randomBytes(4).toString('hex');
let counter = 0;
const unique = (what: string) => `eykafka-${run}-${what}-${++counter}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function open(t: { after(fn: () => unknown): void }, options: Partial<KafkaLogOptions> = {}) {
  const log = await openKafkaLog({ brokers, clientId: 'eventyard-kafka-test', ...options });
  t.after(() => log.close());
  return log;
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

function keyFor(partition: number, partitions: number): string {
  for (let i = 0; ; i++) if (partitionFor(`key-${i}`, partitions) === partition) return `key-${i}`;
}

const unavailable = (error: unknown) => isEventyardError(error, 'EY_LOG_UNAVAILABLE') && error.retriable;

test('records are CloudEvents in Kafka binary content mode, readable by a plain Kafka client', async (t) => {
  const log = await open(t);
  const topic = unique('wire');
  await log.ensureTopic({ name: topic, partitions: 3 });
  const event: CloudEvent = {
    attributes: {
      specversion: '1.0',
      id: 'call-42',
      source: 'https://crm.example.com/calls',
      type: 'com.example.speech.call.completed',
      datacontenttype: 'application/json',
      subject: 'caller ünïcødé ☃',
      partitionkey: 'customer-7',
      knativebrokerttl: '255',
    },
    data: new TextEncoder().encode(JSON.stringify({ intent: 'loan', score: 91 })),
  };
  const [at] = await log.append(topic, [toLogRecord(event)]);
  assert.equal(at!.partition, partitionFor('customer-7', 3), 'key = partitionkey, placed by murmur2');

  // A consumer that knows nothing of Eventyard: kafkajs, then the CloudEvents SDK's Kafka binding.
  const kafka = new Kafka({ clientId: 'plain-reader', brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: unique('plain'), maxWaitTimeInMs: 200 });
  t.after(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const received = new Promise<{
    key: Buffer | null;
    value: Buffer | null;
    headers: Record<string, unknown>;
  }>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => resolve({ ...message, headers: message.headers ?? {} }),
    });
  });
  const message = await received;
  assert.equal(message.key?.toString(), 'customer-7');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    assert.ok(Buffer.isBuffer(value), `header ${name} is bytes on the wire`);
    headers[name] = value.toString('utf8');
  }
  assert.deepEqual(headers, {
    ce_specversion: '1.0',
    ce_id: 'call-42',
    ce_source: 'https://crm.example.com/calls',
    ce_type: 'com.example.speech.call.completed',
    'content-type': 'application/json',
    ce_subject: 'caller ünïcødé ☃',
    ce_partitionkey: 'customer-7',
    ce_knativebrokerttl: '255',
  });
  // The SDK's Kafka binding reads `key` and `value` next to the generic message fields.
  const sdkMessage = { key: message.key!, value: message.value, body: message.value, headers };
  const parsed = CloudEventsKafka.toEvent(sdkMessage);
  const sdkEvent = Array.isArray(parsed) ? parsed[0]! : parsed;
  assert.equal(sdkEvent.id, 'call-42');
  assert.equal(sdkEvent.type, 'com.example.speech.call.completed');
  assert.equal(sdkEvent.source, 'https://crm.example.com/calls');
  assert.equal(sdkEvent.subject, 'caller ünïcødé ☃');
  assert.deepEqual(sdkEvent.data, { intent: 'loan', score: 91 });
});

test('append to a topic that does not exist rejects with EY_TOPIC_NOT_FOUND', async (t) => {
  const log = await open(t);
  const started = Date.now();
  await assert.rejects(log.append(unique('missing'), [{ key: null, value: null, headers: {} }]), (error) =>
    isEventyardError(error, 'EY_TOPIC_NOT_FOUND'),
  );
  assert.ok(Date.now() - started < 2_000, 'answered from metadata, not after retries');
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server that accepts connections and never answers (a hung broker, a black-holed route). */
async function silentServer(t: { after(fn: () => unknown): void }): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as { port: number }).port;
}

// The consumer side on each client: the default (@platformatic/kafka) and kafkajs.
for (const client of ['platformatic', 'kafkajs'] as const) {
  const named = client === 'platformatic' ? '' : ` (${client})`;

  for (const [name, endpoint] of [
    ['a closed port', async () => closedPort()],
    ['a broker that never answers', silentServer],
  ] as const) {
    test(`with ${name}, every call fails within its deadline with a retriable EY_LOG_UNAVAILABLE${named}`, async (t) => {
      const port = await endpoint(t);
      const appendTimeoutMs = 1_500;
      const requestTimeoutMs = 2_000;
      const log = await openKafkaLog({
        brokers: [`127.0.0.1:${port}`],
        client,
        appendTimeoutMs,
        requestTimeoutMs,
      });
      const slack = 1_000;
      const within = async (what: string, bound: number, call: () => Promise<unknown>) => {
        const started = Date.now();
        await assert.rejects(call(), unavailable, what);
        const took = Date.now() - started;
        assert.ok(took <= bound + slack, `${what} took ${took} ms (bound ${bound} ms)`);
      };
      const record = { key: 'k', value: new Uint8Array([1]), headers: { ce_id: '1' } };
      // All at once, as a busy process would call them: none may wait behind another past its deadline.
      await Promise.all([
        ...Array.from({ length: 5 }, (_, i) =>
          within(`append ${i}`, appendTimeoutMs, () => log.append('events', [record])),
        ),
        within('partitions', requestTimeoutMs, () => log.partitions('events')),
        within('endOffsets', requestTimeoutMs, () => log.endOffsets('events')),
        within('ensureTopic', requestTimeoutMs, () => log.ensureTopic({ name: 'events', partitions: 1 })),
        within('consume', requestTimeoutMs, () =>
          log.consume({ group: 'g', topic: 'events', onBatch: async () => {} }),
        ),
      ]);
      // And again, now that the first attempts have failed.
      await within('a later append', appendTimeoutMs, () => log.append('events', [record]));
      const started = Date.now();
      assert.equal(await log.writable(), false);
      assert.ok(Date.now() - started <= appendTimeoutMs * 2 + slack, 'writable() answers in time');
      const closing = Date.now();
      await log.close();
      assert.ok(Date.now() - closing < 5_000, 'close does not hang');
    });
  }

  test(`a batch that takes longer than the session timeout keeps the membership; other partitions go on${named}`, async (t) => {
    const log = await open(t, { client, consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 } });
    const topic = unique('slow');
    await log.ensureTopic({ name: topic, partitions: 2 });
    const batches: RecordBatch[] = [];
    const events: string[] = [];
    let slowStarted = false;
    const consumer = await log.consume({
      group: unique('group'),
      topic,
      onAssign: (partitions) => {
        events.push(`assign ${partitions.join(',')}`);
      },
      onRevoke: (partitions) => {
        events.push(`revoke ${partitions.join(',')}`);
      },
      onBatch: async (batch) => {
        batches.push(batch);
        if (batch.partition === 0 && !slowStarted) {
          slowStarted = true;
          await sleep(7_500);
        }
      },
    });
    t.after(() => consumer.close());
    await log.append(topic, [{ key: keyFor(0, 2), value: null, headers: { n: 'slow' } }]);
    await waitFor(() => slowStarted, 15_000, 'the slow batch');
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      await log.append(topic, [{ key: keyFor(1, 2), value: null, headers: { n: `fast-${i}` } }]);
      await waitFor(
        () => batches.filter((b) => b.partition === 1).length > i,
        5_000,
        `partition 1 batch ${i} while partition 0 is busy`,
      );
      await sleep(2_000);
    }
    assert.ok(Date.now() - started >= 6_000, 'the slow batch outlived a session timeout');
    await log.append(topic, [{ key: keyFor(0, 2), value: null, headers: { n: 'after' } }]);
    await waitFor(
      () => batches.some((b) => b.records[0]?.headers.n === 'after'),
      15_000,
      'the next batch of partition 0',
    );
    assert.deepEqual(events, ['assign 0,1'], 'no rebalance: the member stayed in the group');
    assert.equal(
      batches.filter((b) => b.records[0]?.headers.n === 'slow').length,
      1,
      'the slow batch came once',
    );
  });

  test(`a group shared by two logs splits the partitions, and one group can read two topics${named}`, async (t) => {
    const settings = { client, consumer: { heartbeatIntervalMs: 300 } };
    const logA = await open(t, settings);
    const logB = await open(t, settings);
    const topic = unique('shared');
    const other = unique('shared-other');
    const group = unique('group');
    await logA.ensureTopic({ name: topic, partitions: 4 });
    await logA.ensureTopic({ name: other, partitions: 2 });

    const member = (log: EventLog, consumeTopic: string) => {
      const state = { owned: [] as number[], events: [] as string[], offsets: [] as string[] };
      const consuming = log.consume({
        group,
        topic: consumeTopic,
        onAssign: (partitions) => {
          state.owned = [...partitions];
          state.events.push(`assign ${partitions.join(',')}`);
        },
        onRevoke: (partitions) => {
          state.owned = [];
          state.events.push(`revoke ${partitions.join(',')}`);
        },
        onBatch: async (batch) => {
          for (const r of batch.records) state.offsets.push(`${r.partition}:${r.offset}`);
        },
      });
      return { state, consuming };
    };

    const a = member(logA, topic);
    const consumerA = await a.consuming;
    t.after(() => consumerA.close());
    assert.deepEqual(a.state.owned, [0, 1, 2, 3]);

    const b = member(logB, topic);
    const consumerB = await b.consuming;
    t.after(() => consumerB.close());
    const split = () =>
      a.state.owned.length > 0 &&
      b.state.owned.length > 0 &&
      [...a.state.owned, ...b.state.owned].sort().join(',') === '0,1,2,3';
    await waitFor(split, 20_000, `a split of the partitions (A ${a.state.owned}, B ${b.state.owned})`);
    assert.deepEqual(
      a.state.events.slice(0, 2),
      ['assign 0,1,2,3', 'revoke 0,1,2,3'],
      'A gave everything back first',
    );

    // Kafka itself refuses to reset a group with live members, whichever process asks.
    const outsider = await open(t);
    await assert.rejects(outsider.setCommittedOffsets(group, topic, [{ partition: 0, offset: 0 }]), (error) =>
      isEventyardError(error, 'EY_GROUP_ACTIVE'),
    );

    const records = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: null, headers: {} }));
    const results = await logA.append(topic, records);
    await waitFor(() => a.state.offsets.length + b.state.offsets.length >= 40, 15_000, 'all 40 records');
    const seen = [...a.state.offsets, ...b.state.offsets].sort();
    assert.deepEqual(seen, results.map((r) => `${r.partition}:${r.offset}`).sort(), 'each record once');
    for (const at of a.state.offsets) assert.ok(a.state.owned.includes(Number(at.split(':')[0])));

    // The same group on another topic gets that topic's partitions, and the first topic stays split.
    const c = member(logA, other);
    const consumerC = await c.consuming;
    t.after(() => consumerC.close());
    await waitFor(
      () => c.state.owned.join(',') === '0,1' && split(),
      20_000,
      `both topics assigned (other: ${c.state.owned}, A ${a.state.owned}, B ${b.state.owned})`,
    );

    // When B leaves, A owns all of the first topic again.
    await consumerB.close();
    await waitFor(
      () => a.state.owned.join(',') === '0,1,2,3',
      20_000,
      `A to own everything (A ${a.state.owned})`,
    );
    assert.match(b.state.events.at(-1)!, /^revoke /, 'B gave its partitions back when it closed');
  });
}

test('members on kafkajs and on @platformatic/kafka share one group and split its partitions', async (t) => {
  const settings = { consumer: { heartbeatIntervalMs: 300 } };
  const logs = [
    await open(t, { ...settings, client: 'kafkajs' }),
    await open(t, { ...settings, client: 'platformatic' }),
  ];
  const topic = unique('mixed');
  const group = unique('group');
  await logs[0]!.ensureTopic({ name: topic, partitions: 4 });
  const owned: number[][] = [[], []];
  const seen: string[] = [];
  for (const [i, log] of logs.entries()) {
    const consumer = await log.consume({
      group,
      topic,
      onAssign: (partitions) => {
        owned[i] = [...partitions];
      },
      onRevoke: () => {
        owned[i] = [];
      },
      onBatch: async (batch) => {
        for (const r of batch.records) seen.push(`${r.partition}:${r.offset}`);
      },
    });
    t.after(() => consumer.close());
  }
  await waitFor(
    () =>
      owned[0]!.length > 0 &&
      owned[1]!.length > 0 &&
      [...owned[0]!, ...owned[1]!].sort().join(',') === '0,1,2,3',
    20_000,
    `a split of the partitions (kafkajs ${owned[0]}, platformatic ${owned[1]})`,
  );
  const results = await logs[1]!.append(
    topic,
    Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: null, headers: {} })),
  );
  await waitFor(() => seen.length >= 40, 15_000, 'all 40 records');
  assert.deepEqual(seen.sort(), results.map((r) => `${r.partition}:${r.offset}`).sort(), 'each record once');
});

test('appends fail while the broker is down and succeed again once it is back', async (t) => {
  // A broker of its own, so stopping it does not disturb other tests.
  const dir = await mkdtemp(join(tmpdir(), 'eventyard-kafka-restart-'));
  let kafka = await startKafka({ dir, heapMb: 512, onProgress: () => {} });
  let log: EventLog | undefined;
  t.after(async () => {
    await log?.close(); // closes its consumer too
    await kafka.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const port = Number(kafka.brokers.split(':')[1]);
  log = await openKafkaLog({
    brokers: [kafka.brokers],
    appendTimeoutMs: 2_000,
    requestTimeoutMs: 3_000,
    // The restarted broker keeps the group's old member until its session times out; only then
    // can the consumer (which lost its member id with the connection) join again.
    consumer: { sessionTimeoutMs: 6_000 },
  });
  const topic = 'restart';
  await log.ensureTopic({ name: topic, partitions: 1 });
  const received: string[] = [];
  const consumer = await log.consume({
    group: 'restart-group',
    topic,
    onBatch: async (batch) => {
      for (const r of batch.records) received.push(r.headers.n!);
    },
  });
  assert.ok(consumer);
  const record = (n: string) => ({ key: null, value: null, headers: { n } });
  assert.deepEqual(await log.append(topic, [record('before')]), [{ partition: 0, offset: 0 }]);
  await waitFor(() => received.includes('before'), 15_000, 'the first record');

  await kafka.stop();
  const started = Date.now();
  await assert.rejects(log.append(topic, [record('during')]), unavailable);
  assert.ok(Date.now() - started < 2_000 + 1_000, 'rejected within the append deadline');
  assert.equal(await log.writable(), false);

  kafka = await startKafka({ dir, port, heapMb: 512, onProgress: () => {} });
  let after: Awaited<ReturnType<EventLog['append']>> | undefined;
  const deadline = Date.now() + 30_000;
  while (after === undefined) {
    try {
      after = await log.append(topic, [record('after')]);
    } catch (error) {
      assert.ok(unavailable(error), String(error));
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
  assert.equal(after[0]!.offset >= 1, true);
  assert.equal(await log.writable(), true);
  await waitFor(() => received.includes('after'), 60_000, 'the consumer to deliver again after the restart');
  const stored = await log.read(topic, 0, 0, 10);
  assert.equal(stored[0]!.headers.n, 'before');
  assert.equal(stored.at(-1)!.headers.n, 'after');
});
