import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import type { CloudEvent } from '@eventyard/core';
import { createPublisher } from '@eventyard/sources';
import { FAST, recordingSleep, startSink } from '../helpers.ts';

const event: CloudEvent = {
  attributes: {
    specversion: '1.0',
    id: 'e-1',
    source: '/crm',
    type: 'com.example.crm.updated',
    datacontenttype: 'application/json',
    partitionkey: 'c-42',
  },
  data: Buffer.from('{"customer":"c-42"}'),
};

test('posts in binary content mode and reports the first 2xx', async (t) => {
  const sink = await startSink(t);
  sink.respond((_r, _n, res) => {
    res.writeHead(202).end();
  });
  const result = await createPublisher(sink.url, FAST).publish(event);
  assert.deepEqual(result, { ok: true, status: 202, attempts: 1 });
  const [request] = sink.received;
  assert.equal(request!.headers['ce-id'], 'e-1');
  assert.equal(request!.headers['ce-type'], 'com.example.crm.updated');
  assert.equal(request!.headers['ce-partitionkey'], 'c-42');
  assert.equal(request!.headers['content-type'], 'application/json');
  assert.equal(request!.body.toString(), '{"customer":"c-42"}');
});

test('retries 503 with backoff and succeeds', async (t) => {
  const sink = await startSink(t);
  sink.respond((_r, n, res) => {
    res.writeHead(n < 3 ? 503 : 202).end();
  });
  const { waits, sleep } = recordingSleep();
  const result = await createPublisher(sink.url, FAST, { sleep, random: () => 0.5 }).publish(event);
  assert.deepEqual(result, { ok: true, status: 202, attempts: 3 });
  assert.deepEqual(waits, [10, 20], 'linear backoff: delay × n');
});

test('a 400 is a rejection: no retry, the broker code and message returned', async (t) => {
  const sink = await startSink(t);
  sink.respond((_r, _n, res) => {
    res
      .writeHead(400, { 'content-type': 'application/json' })
      .end(JSON.stringify({ code: 'EY_INVALID_EVENT', message: 'missing required attribute "source"' }));
  });
  const result = await createPublisher(sink.url, FAST).publish(event);
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  assert.equal(result.status, 400);
  assert.equal(result.code, 'EY_INVALID_EVENT');
  assert.equal(result.message, 'missing required attribute "source"');
  assert.equal(result.attempts, 1);
  assert.equal(result.retriable, false);
  assert.equal(sink.received.length, 1);
});

test('429 waits as long as Retry-After says, capped by retryAfterMax', async (t) => {
  const sink = await startSink(t);
  sink.respond((_r, n, res) => {
    if (n === 1) res.writeHead(429, { 'retry-after': '2' }).end('slow down');
    else if (n === 2) res.writeHead(503, { 'retry-after': '60' }).end();
    else res.writeHead(202).end();
  });
  const { waits, sleep } = recordingSleep();
  const result = await createPublisher(sink.url, FAST, { sleep, random: () => 0.5 }).publish(event);
  assert.equal(result.ok, true);
  assert.deepEqual(waits, [2000, 5000]);
});

test('gives up after the last retry and says the sink may accept later', async (t) => {
  const sink = await startSink(t);
  sink.respond((_r, _n, res) => {
    res.writeHead(503, { 'retry-after': '3' }).end('log unavailable');
  });
  const attempts: Array<number | 'error'> = [];
  const { sleep } = recordingSleep();
  const result = await createPublisher(sink.url, FAST, { sleep, onAttempt: (a) => attempts.push(a) }).publish(
    event,
  );
  assert.ok(!result.ok);
  assert.equal(result.attempts, 4);
  assert.equal(result.status, 503);
  assert.equal(result.message, 'log unavailable');
  assert.equal(result.retriable, true);
  assert.equal(result.retryAfterSeconds, 3);
  assert.deepEqual(attempts, [503, 503, 503, 503]);
});

test('an unreachable sink is retried and reported as a transport error', async () => {
  // A port nothing listens on: bind one, note it, close it.
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  const { waits, sleep } = recordingSleep();
  const result = await createPublisher(
    `http://127.0.0.1:${port}/ns/broker`,
    { ...FAST, retry: 2 },
    { sleep },
  ).publish(event);
  assert.ok(!result.ok);
  assert.equal(result.status, undefined);
  assert.match(result.message, /ECONNREFUSED/);
  assert.equal(result.attempts, 3);
  assert.equal(waits.length, 2);
  assert.equal(result.retriable, true);
});

test('a sink slower than the timeout counts as a failed attempt', async (t) => {
  const sink = await startSink(t);
  sink.respond((_r, n, res) => {
    if (n === 1) setTimeout(() => res.writeHead(202).end(), 1000);
    else res.writeHead(202).end();
  });
  const result = await createPublisher(sink.url, { ...FAST, timeoutMs: 100 }).publish(event);
  assert.deepEqual(result, { ok: true, status: 202, attempts: 2 });
});
