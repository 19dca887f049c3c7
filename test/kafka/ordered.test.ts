import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { startSubscriber } from '../support/subscriber.ts';
import { kafkaBrokers } from './brokers.ts';

const EVENTS = 10000;
const KEYS = 50;

test('ordered delivery keeps order per partition key over 10,000 events while the subscriber fails at random', {
  timeout: 240000,
}, async (t) => {
  const dir = await tempDir(t);
  const suffix = randomBytes(3).toString('hex');
  const subscriber = await startSubscriber(t);
  // A seeded generator, so a failing run can be replayed.
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const answered: number[] = [];
  subscriber.respond((_r, n, res) => {
    const status = random() < 0.1 ? 500 : 200;
    answered[n - 1] = status;
    res.writeHead(status).end();
  });
  await writeManifest(
    dir,
    'resources.yaml',
    documents(
      brokerYaml('default', 'default'),
      triggerYaml('ordered', subscriber.url, {
        annotations: { 'eventyard.dev/delivery-order': 'ordered', 'eventyard.dev/max-in-flight': '32' },
        spec: 'delivery: { retry: 20, backoffPolicy: linear, backoffDelay: PT0.005S }',
      }),
    ),
  );
  const broker = await startEventyard(
    ['--config', dir, '--topic-template', `eyt-${suffix}-{namespace}-{name}`],
    {
      env: { KAFKA_BROKERS: kafkaBrokers().join(',') },
    },
  );
  t.after(() => broker.stop());

  for (let from = 0; from < EVENTS; from += 200) {
    const batch = [];
    for (let seq = from; seq < from + 200; seq++) {
      batch.push({
        specversion: '1.0',
        id: `e-${seq}`,
        source: '/orders',
        type: 't',
        partitionkey: `key-${seq % KEYS}`,
        seq: String(seq),
      });
    }
    const response = await fetch(`${broker.url}/default/default`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify(batch),
    });
    assert.equal(response.status, 202);
  }

  const attempts = await subscriber.waitFor(EVENTS, 180000);
  // Wait until every event got its successful attempt (the count above includes failed ones).
  const deadline = Date.now() + 120000;
  const delivered = () => new Set(subscriber.received.map((r) => String(r.headers['ce-id']))).size;
  while (delivered() < EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(delivered(), EVENTS, 'every event arrived');

  const lastSeq = new Map<string, number>();
  const done = new Set<number>();
  let outOfOrder = 0;
  const examples: string[] = [];
  for (const [i, request] of attempts.entries()) {
    const key = String(request.headers['ce-partitionkey']);
    const seq = Number(request.headers['ce-seq']);
    const previous = lastSeq.get(key) ?? -1;
    // A retry repeats the same seq; a later event of the key must never come before an earlier one is done.
    if (seq < previous) {
      outOfOrder++;
      if (examples.length < 5)
        examples.push(
          `#${i} ${key} seq ${seq} after ${previous}${done.has(seq) ? ' (already delivered: a redelivery)' : ''}`,
        );
    }
    if (answered[i] === 200) done.add(seq);
    lastSeq.set(key, Math.max(previous, seq));
  }
  if (examples.length > 0) t.diagnostic(examples.join('\n'));
  const inFlightKeys = new Set(attempts.map((r) => String(r.headers['ce-partitionkey']))).size;
  t.diagnostic(`${attempts.length} attempts for ${EVENTS} events over ${inFlightKeys} keys`);
  assert.equal(outOfOrder, 0, `${outOfOrder} deliveries came before an earlier event of the same key`);
  assert.ok(attempts.length > EVENTS, 'the subscriber failed some attempts, which were retried');
});
