import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerGroup, brokerRetryGroup } from '../src/broker-dispatcher.ts';
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
const RETRY_TOPIC = `${TOPIC}.retry`;
const DLQ_TOPIC = `${TOPIC}.dlq`;

/** Gaps between consecutive arrivals, in ms. */
function gaps(times: number[]): number[] {
  return times.slice(1).map((time, i) => time - times[i]!);
}

test('every retryable status is retried: 5xx, 404, 408, 409, 429', async (t) => {
  const { log } = await openLog(t);
  const statuses = [500, 502, 503, 504, 404, 408, 409, 429];
  const subscribers = await Promise.all(
    statuses.map((status) =>
      startSubscriber(t, (_r, res, index) => void res.writeHead(index === 0 ? status : 200)),
    ),
  );
  let yaml = brokerYaml();
  statuses.forEach((status, i) => {
    yaml += triggerYaml({
      name: `s${status}`,
      uri: subscribers[i]!.url,
      type: `t${status}`,
      delivery: '{ retry: 3, backoffPolicy: linear, backoffDelay: PT0.01S }',
    });
  });
  const { registry } = await startDispatcher(t, log, contractOf(yaml));
  await publish(log, TOPIC, ...statuses.map((status) => makeEvent(`t${status}`)));
  for (const subscriber of subscribers) await subscriber.waitFor(2);
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (const [i, status] of statuses.entries()) {
    assert.equal(subscribers[i]!.received.length, 2, `HTTP ${status} is retried once, then delivered`);
    assert.equal(
      await metricValue(registry, 'eventyard_dispatch_retries_total', { trigger: `s${status}` }),
      1,
      `one retry counted for ${status}`,
    );
  }
  assert.equal((await readAll(log, DLQ_TOPIC)).length, 0);
});

test('a non-retryable status is dead-lettered after one attempt', async (t) => {
  const { log } = await openLog(t);
  const statuses = [400, 401, 403, 410, 422, 301];
  const subscribers = await Promise.all(
    statuses.map((status) => startSubscriber(t, (_r, res) => void res.writeHead(status, { location: '/x' }))),
  );
  let yaml = brokerYaml();
  statuses.forEach((status, i) => {
    yaml += triggerYaml({
      name: `s${status}`,
      uri: subscribers[i]!.url,
      type: `t${status}`,
      delivery: '{ retry: 5, backoffPolicy: linear, backoffDelay: PT0.01S }',
    });
  });
  const { registry } = await startDispatcher(t, log, contractOf(yaml));
  await publish(log, TOPIC, ...statuses.map((status) => makeEvent(`t${status}`)));
  await waitUntil(
    async () => (await readAll(log, DLQ_TOPIC)).length === statuses.length,
    5000,
    'dead letters',
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  const dead = eventsOf(await readAll(log, DLQ_TOPIC));
  for (const [i, status] of statuses.entries()) {
    assert.equal(subscribers[i]!.received.length, 1, `HTTP ${status} is not retried`);
    const letter = dead.find((event) => event.attributes.type === `t${status}`);
    assert.ok(letter, `dead letter for ${status}`);
    assert.equal(letter.attributes.knativeerrorcode, String(status));
    assert.equal(letter.attributes.eventyardattempts, '1');
    assert.equal(letter.attributes.eventyardtrigger, `ns/s${status}`);
    assert.match(letter.attributes.eventyarderror!, /no dead-letter sink/);
    assert.equal(
      await metricValue(registry, 'eventyard_dispatch_dead_letters_total', {
        trigger: `s${status}`,
        destination: 'topic',
      }),
      1,
    );
  }
});

test('transport errors are retried, then dead-lettered as Knative reports them (code 500, dispatch error)', async (t) => {
  const { log } = await openLog(t);
  const down = await closedPortUrl();
  const contract = contractOf(
    brokerYaml() +
      triggerYaml({
        name: 'down',
        uri: down,
        delivery: '{ retry: 2, backoffPolicy: linear, backoffDelay: PT0.01S }',
      }),
  );
  const { registry } = await startDispatcher(t, log, contract);
  await publish(log, TOPIC, makeEvent('x'));
  await waitUntil(async () => (await readAll(log, DLQ_TOPIC)).length === 1, 5000, 'the dead letter');
  const [letter] = eventsOf(await readAll(log, DLQ_TOPIC));
  assert.equal(letter!.attributes.eventyardattempts, '3');
  assert.equal(letter!.attributes.knativeerrorcode, '500');
  assert.equal(letter!.attributes.knativeerrordest, down);
  assert.match(Buffer.from(letter!.attributes.knativeerrordata!, 'base64').toString(), /^dispatch error: /);
  assert.equal(
    letter!.attributes.knativebrokerttl,
    '255',
    'the dead-letter topic keeps the event whole, for redrive',
  );
  assert.equal(
    await metricValue(registry, 'eventyard_dispatch_events_total', { response_code_class: 'network' }),
    3,
  );
});

test('backoff follows the policy: exponential delay×2^n, linear delay×n', async (t) => {
  const { log } = await openLog(t);
  const exponential = await startSubscriber(t, (_r, res) => void res.writeHead(503));
  const linear = await startSubscriber(t, (_r, res) => void res.writeHead(500));
  const contract = contractOf(
    brokerYaml() +
      triggerYaml({
        name: 'exp',
        uri: exponential.url,
        type: 'exp',
        delivery: '{ retry: 3, backoffPolicy: exponential, backoffDelay: PT0.05S }',
      }) +
      triggerYaml({
        name: 'lin',
        uri: linear.url,
        type: 'lin',
        delivery: '{ retry: 3, backoffPolicy: linear, backoffDelay: PT0.1S }',
      }),
  );
  // random 0.5 = no jitter, so the schedule is exact up to timer slack.
  await startDispatcher(t, log, contract);
  await publish(log, TOPIC, makeEvent('exp'), makeEvent('lin'));
  await exponential.waitFor(4);
  await linear.waitFor(4);
  const check = (actual: number[], expected: number[], what: string) => {
    for (const [i, gap] of actual.entries()) {
      assert.ok(
        gap >= expected[i]! - 5 && gap < expected[i]! + 120,
        `${what} gap ${i + 1}: ${gap} ms, expected ~${expected[i]} ms`,
      );
    }
  };
  check(gaps(exponential.received.map((r) => r.at)), [100, 200, 400], 'exponential');
  check(gaps(linear.received.map((r) => r.at)), [100, 200, 300], 'linear');
});

test('Retry-After on 429 and 503 is honoured when longer than the backoff, up to retryAfterMax', async (t) => {
  const { log } = await openLog(t);
  const honoured = await startSubscriber(
    t,
    (_r, res, i) => void res.writeHead(i === 0 ? 429 : 200, { 'retry-after': '1' }),
  );
  const capped = await startSubscriber(
    t,
    (_r, res, i) => void res.writeHead(i === 0 ? 503 : 200, { 'retry-after': '30' }),
  );
  const ignored = await startSubscriber(
    t,
    (_r, res, i) => void res.writeHead(i === 0 ? 500 : 200, { 'retry-after': '1' }),
  );
  const delivery = (max: string) =>
    `{ retry: 2, backoffPolicy: linear, backoffDelay: PT0.02S, retryAfterMax: ${max} }`;
  const contract = contractOf(
    brokerYaml() +
      triggerYaml({ name: 'honoured', uri: honoured.url, type: 'a', delivery: delivery('PT5S') }) +
      triggerYaml({ name: 'capped', uri: capped.url, type: 'b', delivery: delivery('PT0.3S') }) +
      triggerYaml({ name: 'ignored', uri: ignored.url, type: 'c', delivery: delivery('PT5S') }),
  );
  await startDispatcher(t, log, contract);
  await publish(log, TOPIC, makeEvent('a'), makeEvent('b'), makeEvent('c'));
  await Promise.all([honoured.waitFor(2), capped.waitFor(2), ignored.waitFor(2)]);
  const [honouredGap] = gaps(honoured.received.map((r) => r.at));
  const [cappedGap] = gaps(capped.received.map((r) => r.at));
  const [ignoredGap] = gaps(ignored.received.map((r) => r.at));
  assert.ok(honouredGap! >= 995 && honouredGap! < 1300, `Retry-After: 1 waited ${honouredGap} ms`);
  assert.ok(cappedGap! >= 295 && cappedGap! < 600, `Retry-After: 30 capped at 300 ms waited ${cappedGap} ms`);
  assert.ok(ignoredGap! < 200, `Retry-After on a 500 is not a rate limit: waited ${ignoredGap} ms`);
});

test('each attempt is bounded by delivery.timeout', async (t) => {
  const { log } = await openLog(t);
  const slow = await startSubscriber(t, async (_r, res, i) => {
    if (i === 0) await new Promise((resolve) => setTimeout(resolve, 1500));
    if (!res.destroyed) res.writeHead(200);
  });
  const contract = contractOf(
    brokerYaml() +
      triggerYaml({
        name: 'slow',
        uri: slow.url,
        delivery: '{ retry: 1, timeout: PT0.2S, backoffPolicy: linear, backoffDelay: PT0.01S }',
      }),
  );
  const { registry } = await startDispatcher(t, log, contract);
  await publish(log, TOPIC, makeEvent('x'));
  await slow.waitFor(2);
  const [gap] = gaps(slow.received.map((r) => r.at));
  assert.ok(gap! >= 200 && gap! < 600, `second attempt after the 200 ms timeout, got ${gap} ms`);
  await waitUntil(
    async () =>
      (await metricValue(registry, 'eventyard_dispatch_events_total', { response_code_class: '2xx' })) === 1,
    5000,
    'the retry to succeed',
  );
  assert.equal(
    await metricValue(registry, 'eventyard_dispatch_events_total', { response_code_class: 'timeout' }),
    1,
  );
  assert.equal((await readAll(log, DLQ_TOPIC)).length, 0);
});

test('a long backoff goes through the retry topic while other triggers keep delivering promptly', async (t) => {
  const { log } = await openLog(t);
  const failing = await startSubscriber(t, (_r, res, i) => void res.writeHead(i === 0 ? 503 : 200));
  const healthy = await startSubscriber(t);
  const contract = contractOf(
    brokerYaml() +
      triggerYaml({
        name: 'failing',
        uri: failing.url,
        type: 'job',
        annotations: { 'eventyard.dev/max-in-flight': '1' },
        delivery: '{ retry: 2, backoffPolicy: linear, backoffDelay: PT0.8S }',
      }) +
      triggerYaml({ name: 'healthy', uri: healthy.url }),
  );
  const { registry } = await startDispatcher(t, log, contract, { inPlaceRetryMaxMs: 100 });
  const started = Date.now();
  await publish(log, TOPIC, makeEvent('job'));
  await failing.waitFor(1);
  // Events behind the failing one reach the healthy trigger without waiting for the retry.
  await publish(log, TOPIC, ...Array.from({ length: 20 }, () => makeEvent('other')));
  await healthy.waitFor(21, 2000);
  assert.ok(Date.now() - started < 700, `healthy deliveries took ${Date.now() - started} ms`);
  assert.equal(failing.received.length, 1);

  const waiting = await readAll(log, RETRY_TOPIC);
  assert.equal(waiting.length, 1);
  assert.equal(waiting[0]!.headers.eyr_trigger, 'ns/failing');
  assert.equal(waiting[0]!.headers.eyr_attempt, '2');
  const due = Number(waiting[0]!.headers.eyr_due);
  assert.ok(due >= started + 700 && due <= Date.now() + 900, 'due after the backoff');
  assert.equal(waiting[0]!.headers.ce_type, 'job');

  // The main topic is committed past the event: it no longer holds anything back.
  await waitUntil(
    async () =>
      (
        await log.committedOffsets(
          brokerGroup('eventyard-dispatcher', { topic: 'eventyard-broker-ns-default' }),
          TOPIC,
        )
      )[0] === 21,
    3000,
    'commit',
  );

  const [, retried] = await failing.waitFor(2, 3000);
  assert.ok(retried!.at >= due - 5, 'delivered when due');
  assert.equal(retried!.headers['ce-type'], 'job');
  assert.equal(retried!.headers['ce-knativebrokerttl'], undefined);
  await waitUntil(
    async () =>
      (
        await log.committedOffsets(
          brokerRetryGroup('eventyard-dispatcher', { topic: 'eventyard-broker-ns-default' }),
          RETRY_TOPIC,
        )
      )[0] === 1,
    3000,
    'retry commit',
  );
  assert.equal(await metricValue(registry, 'eventyard_dispatch_retries_total', { trigger: 'failing' }), 1);
});
