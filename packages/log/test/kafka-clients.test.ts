/**
 * The Kafka log's other client. kafka.test.ts runs the EventLog conformance suite with the default
 * (`platformatic`, @platformatic/kafka); this runs it, and the Kafka-specific append guarantees
 * (deadlines against a dead or silent broker, recovery after a broker restart), with
 * `client: 'kafkajs'`, so both stay correct. kafka-log.test.ts runs its consumer-group tests with
 * both clients. See kafka.test.ts for how Kafka is provided.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isEventyardError } from '@eventyard/core';
import { kafkaBrokers } from '../../../test/kafka/brokers.ts';
import { startKafka } from '../../../test/kafka/kafka.ts';
import { type EventLog, openKafkaLog } from '../src/index.ts';
import { runConformanceSuite } from './conformance.ts';

const brokers = kafkaBrokers();
const run = randomBytes(4).toString('hex');
const unavailable = (error: unknown) => isEventyardError(error, 'EY_LOG_UNAVAILABLE') && error.retriable;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const client = 'kafkajs';

runConformanceSuite(
  `kafka (${client})`,
  () => openKafkaLog({ brokers, clientId: 'eventyard-conformance', client }),
  { namePrefix: `eyconf-${client}` },
);

test(`${client}: append to a topic that does not exist rejects with EY_TOPIC_NOT_FOUND`, async (t) => {
  const log = await openKafkaLog({ brokers, client });
  t.after(() => log.close());
  await assert.rejects(
    log.append(`eyclients-${run}-missing`, [{ key: null, value: null, headers: {} }]),
    (error) => isEventyardError(error, 'EY_TOPIC_NOT_FOUND'),
  );
});

test('an unknown client name is refused', async () => {
  await assert.rejects(
    openKafkaLog({ brokers, client: 'rdkafka' as 'kafkajs' }),
    (error) => isEventyardError(error, 'EY_INVALID_CONFIG') && /kafkajs or platformatic/.test(error.message),
  );
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

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

for (const [name, endpoint] of [
  ['a closed port', async () => closedPort()],
  ['a broker that never answers', silentServer],
] as const) {
  test(`${client}: with ${name}, appends fail within their deadline with a retriable EY_LOG_UNAVAILABLE`, async (t) => {
    const port = await endpoint(t);
    const appendTimeoutMs = 1_500;
    const log = await openKafkaLog({
      brokers: [`127.0.0.1:${port}`],
      client,
      appendTimeoutMs,
      requestTimeoutMs: 2_000,
    });
    const record = { key: 'k', value: new Uint8Array([1]), headers: { ce_id: '1' } };
    const within = async (what: string) => {
      const started = Date.now();
      await assert.rejects(log.append('events', [record]), unavailable, what);
      const took = Date.now() - started;
      assert.ok(took <= appendTimeoutMs + 1_000, `${what} took ${took} ms`);
    };
    await Promise.all(Array.from({ length: 5 }, (_, i) => within(`append ${i}`)));
    await within('a later append');
    assert.equal(await log.writable(), false);
    const closing = Date.now();
    await log.close();
    assert.ok(Date.now() - closing < 5_000, 'close does not hang');
  });
}

test(`${client}: appends fail while the broker is down and succeed again once it is back`, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'eventyard-clients-restart-'));
  let kafka = await startKafka({ dir, heapMb: 512, onProgress: () => {} });
  let log: EventLog | undefined;
  t.after(async () => {
    await log?.close();
    await kafka.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const port = Number(kafka.brokers.split(':')[1]);
  log = await openKafkaLog({ brokers: [kafka.brokers], client, appendTimeoutMs: 2_000 });
  const topic = 'restart';
  await log.ensureTopic({ name: topic, partitions: 1 });
  const record = (n: string) => ({ key: null, value: null, headers: { n } });
  assert.deepEqual(await log.append(topic, [record('before')]), [{ partition: 0, offset: 0 }]);

  await kafka.stop();
  const started = Date.now();
  await assert.rejects(log.append(topic, [record('during')]), unavailable);
  assert.ok(Date.now() - started < 3_000, 'rejected within the append deadline');
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
  assert.ok(after[0]!.offset >= 1);
  assert.equal(await log.writable(), true);
  const stored = await log.read(topic, 0, 0, 10);
  assert.equal(stored[0]!.headers.n, 'before');
  assert.equal(stored.at(-1)!.headers.n, 'after');
});
