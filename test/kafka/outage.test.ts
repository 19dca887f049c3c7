import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { postEvent, startSubscriber } from '../support/subscriber.ts';
import { startKafka } from './kafka.ts';

test('Kafka stopped during load: 503 while it is down, never a 202 for a lost event; delivery resumes after', {
  timeout: 240000,
}, async (t) => {
  const dir = await tempDir(t);
  // Its own Kafka node, since this test stops it.
  let kafka = await startKafka({ dir: `${dir}/kafka`, onProgress: () => {} });
  const port = Number(kafka.brokers.split(':')[1]);
  t.after(() => kafka.stop());
  const subscriber = await startSubscriber(t);
  await writeManifest(
    dir,
    'resources.yaml',
    documents(brokerYaml('default', 'default'), triggerYaml('all', subscriber.url)),
  );
  const broker = await startEventyard(['--config', `${dir}/resources.yaml`], {
    env: { KAFKA_BROKERS: kafka.brokers },
  });
  t.after(() => broker.stop());
  const url = `${broker.url}/default/default`;

  const acknowledged: string[] = [];
  const statuses = new Map<number, number>();
  let slowest503 = 0;
  let running = true;
  const load = (async () => {
    for (let i = 0; running; i++) {
      const id = `e-${i}`;
      const started = performance.now();
      let status = 0;
      try {
        status = await postEvent(url, { id, type: 't' }, { i });
      } catch {
        status = -1;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 202) acknowledged.push(id);
      if (status === 503) slowest503 = Math.max(slowest503, performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();

  await eventually(() => acknowledged.length >= 100, 30000, '100 events before the outage');
  await kafka.stop();
  const downAt = acknowledged.length;
  await eventually(
    () => (statuses.get(503) ?? 0) >= 3,
    60000,
    'the ingress to answer 503 while Kafka is down',
  );
  assert.equal(acknowledged.length - downAt <= 1, true, 'no event is acknowledged while Kafka is down');
  kafka = await startKafka({ dir: `${dir}/kafka`, port, onProgress: () => {} });
  await eventually(
    () => acknowledged.length >= downAt + 100,
    90000,
    'the ingress to accept again after Kafka is back',
  );
  running = false;
  await load;

  await eventually(
    () => {
      const delivered = new Set(subscriber.ids());
      return acknowledged.every((id) => delivered.has(id));
    },
    90000,
    'every acknowledged event to be delivered',
  );
  t.diagnostic(
    `answers: ${JSON.stringify(Object.fromEntries(statuses))}; slowest 503 took ${slowest503.toFixed(0)} ms; ${acknowledged.length} acknowledged, all delivered`,
  );
  assert.ok(slowest503 < 15000, `a 503 took ${slowest503.toFixed(0)} ms`);
});
