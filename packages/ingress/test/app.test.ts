import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildContract, fromLogRecord, parseResourceDocuments } from '@eventyard/core';
import { type EventLog, openEmbeddedLog } from '@eventyard/log';
import { Registry } from 'prom-client';
import { createIngress } from '../src/index.ts';

const BROKER = `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: { name: default, namespace: ns }
`;

async function setup(t: { after(fn: () => Promise<void> | void): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'ingress-'));
  const log = await openEmbeddedLog({ dir });
  t.after(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  const { resources } = parseResourceDocuments(BROKER, 'broker.yaml');
  const contract = buildContract({ resources });
  const ingress = createIngress({
    log,
    registry: new Registry(),
    now: () => Date.parse('2026-01-02T03:04:05.000Z'),
  });
  await ingress.applyContract(contract);
  const topic = contract.brokers.get('ns/default')!.topic;
  return { log, ingress, topic };
}

async function readAll(log: EventLog, topic: string) {
  const records = [];
  for (let p = 0; p < ((await log.partitions(topic)) ?? 0); p++)
    records.push(...(await log.read(topic, p, 0, 1000)));
  return records.map(fromLogRecord);
}

test('a 202 means the event is in the log, stamped with arrival time and TTL', async (t) => {
  const { log, ingress, topic } = await setup(t);
  const response = await ingress.app.inject({
    method: 'POST',
    url: '/ns/default',
    headers: {
      'ce-specversion': '1.0',
      'ce-id': 'x',
      'ce-source': '/s',
      'ce-type': 't',
      'content-type': 'text/plain',
    },
    payload: 'hello',
  });
  assert.equal(response.statusCode, 202);
  const [event] = await readAll(log, topic);
  assert.equal(event?.attributes.id, 'x');
  assert.equal(event?.attributes.knativearrivaltime, '2026-01-02T03:04:05.000Z');
  assert.equal(event?.attributes.knativebrokerttl, '255');
  assert.equal(Buffer.from(event!.data!).toString(), 'hello');
});

test('a TTL carried by the event is kept (it is decremented by replies, not by ingress)', async (t) => {
  const { log, ingress, topic } = await setup(t);
  const response = await ingress.app.inject({
    method: 'POST',
    url: '/ns/default',
    headers: {
      'ce-specversion': '1.0',
      'ce-id': 'x',
      'ce-source': '/s',
      'ce-type': 't',
      'ce-knativebrokerttl': '7',
    },
  });
  assert.equal(response.statusCode, 202);
  assert.equal((await readAll(log, topic))[0]?.attributes.knativebrokerttl, '7');
});

test('503 and nothing acknowledged when the log cannot append', async (t) => {
  const { log, ingress } = await setup(t);
  await log.close();
  const response = await ingress.app.inject({
    method: 'POST',
    url: '/ns/default',
    headers: { 'ce-specversion': '1.0', 'ce-id': 'x', 'ce-source': '/s', 'ce-type': 't' },
  });
  assert.equal(response.statusCode, 503);
  assert.equal(response.json().code, 'EY_LOG_UNAVAILABLE');
  const ready = await ingress.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 503);
  assert.deepEqual(ready.json().failing, ['log']);
});

test('readiness waits for the first contract', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ingress-'));
  const log = await openEmbeddedLog({ dir });
  try {
    const ingress = createIngress({ log, registry: new Registry() });
    assert.equal((await ingress.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
    assert.equal((await ingress.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    await ingress.applyContract(buildContract({ resources: [] }));
    assert.equal((await ingress.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  } finally {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
});

const binary = (id: string, type = 't') => ({
  'ce-specversion': '1.0',
  'ce-id': id,
  'ce-source': '/s',
  'ce-type': type,
});

test('each request gets the arrival time of its own millisecond', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ingress-'));
  const log = await openEmbeddedLog({ dir });
  t.after(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  const { resources } = parseResourceDocuments(BROKER, 'broker.yaml');
  const contract = buildContract({ resources });
  const clock = [0, 0, 1, 1500].map((ms) => Date.parse('2026-01-02T03:04:05.000Z') + ms);
  let tick = 0;
  const ingress = createIngress({ log, registry: new Registry(), now: () => clock[tick++]! });
  await ingress.applyContract(contract);
  for (let i = 0; i < clock.length; i++) {
    const response = await ingress.app.inject({
      method: 'POST',
      url: '/ns/default',
      headers: binary(`e${i}`),
    });
    assert.equal(response.statusCode, 202);
  }
  const events = await readAll(log, contract.brokers.get('ns/default')!.topic);
  const arrival = new Map(events.map((e) => [e.attributes.id, e.attributes.knativearrivaltime]));
  assert.deepEqual(
    ['e0', 'e1', 'e2', 'e3'].map((id) => arrival.get(id)),
    [
      '2026-01-02T03:04:05.000Z',
      '2026-01-02T03:04:05.000Z',
      '2026-01-02T03:04:05.001Z',
      '2026-01-02T03:04:06.500Z',
    ],
  );
});

test('concurrent POSTs are each answered 202 once their own event is stored', async (t) => {
  const { log, ingress, topic } = await setup(t);
  const responses = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      ingress.app.inject({ method: 'POST', url: '/ns/default', headers: binary(`c${i}`), payload: `${i}` }),
    ),
  );
  assert.deepEqual(new Set(responses.map((r) => r.statusCode)), new Set([202]));
  const events = await readAll(log, topic);
  assert.equal(events.length, 50);
  for (const event of events) {
    assert.equal(`c${Buffer.from(event.data!).toString()}`, event.attributes.id);
  }
});

test('/metrics counts accepted events by type and the latency of each accepted request', async (t) => {
  const { ingress } = await setup(t);
  const post = (id: string, type: string) =>
    ingress.app.inject({ method: 'POST', url: '/ns/default', headers: binary(id, type) });
  for (const [id, type] of [
    ['1', 'a'],
    ['2', 'a'],
    ['3', 'b'],
  ] as const) {
    assert.equal((await post(id, type)).statusCode, 202);
  }
  const scrape = async () => (await ingress.app.inject({ method: 'GET', url: '/metrics' })).body;
  let metrics = await scrape();
  assert.match(
    metrics,
    /eventyard_ingress_events_total\{namespace="ns",broker="default",event_type="a",code="202"\} 2\n/,
  );
  assert.match(
    metrics,
    /eventyard_ingress_events_total\{namespace="ns",broker="default",event_type="b",code="202"\} 1\n/,
  );
  assert.match(
    metrics,
    /eventyard_ingress_request_duration_seconds_count\{namespace="ns",broker="default",code="202"\} 3\n/,
  );
  // A second scrape adds only what came since.
  assert.equal((await post('4', 'b')).statusCode, 202);
  metrics = await scrape();
  assert.match(
    metrics,
    /eventyard_ingress_events_total\{namespace="ns",broker="default",event_type="a",code="202"\} 2\n/,
  );
  assert.match(
    metrics,
    /eventyard_ingress_events_total\{namespace="ns",broker="default",event_type="b",code="202"\} 2\n/,
  );
});
