import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { eventually, startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { postEvent, startSubscriber } from '../support/subscriber.ts';
import { kafkaBrokers } from './brokers.ts';

const brokers = kafkaBrokers().join(',');

test('two eventyard processes share a broker: each event once in steady state; kill -9 one and the other takes over', {
  timeout: 180000,
}, async (t) => {
  const dir = await tempDir(t);
  const suffix = randomBytes(3).toString('hex');
  const subscriber = await startSubscriber(t);
  await writeManifest(
    dir,
    'resources.yaml',
    documents(brokerYaml('default', 'default'), triggerYaml('all', subscriber.url)),
  );
  const args = ['--config', dir, '--topic-template', `eyt-${suffix}-{namespace}-{name}`];
  const env = { KAFKA_BROKERS: brokers };
  const a = await startEventyard(args, { env });
  t.after(() => a.kill());
  const b = await startEventyard(args, { env });
  t.after(() => b.stop());

  // Both consumers join the group: wait until each has partitions (the second join rebalances).
  // A process serves its ingress before its dispatcher joined, so wait for both to dispatch first.
  await eventually(
    () => [a, b].every((p) => p.logs.some((line) => line.msg === 'dispatching broker')),
    60000,
    'both dispatchers to join',
  );
  await eventually(
    async () => {
      const probe = `probe-${randomBytes(4).toString('hex')}`;
      await postEvent(`${a.url}/default/default`, { id: probe, type: 'probe', partitionkey: probe });
      return subscriber.ids().includes(probe);
    },
    60000,
    'the group to settle',
  );
  await new Promise((r) => setTimeout(r, 3000));
  const settled = subscriber.received.length;

  const steady: string[] = [];
  for (let i = 0; i < 200; i++) {
    const id = `steady-${i}`;
    const via = i % 2 === 0 ? a : b;
    assert.equal(
      await postEvent(`${via.url}/default/default`, { id, type: 't', partitionkey: `k-${i}` }, { i }),
      202,
    );
    steady.push(id);
  }
  await eventually(
    () => steady.every((id) => subscriber.ids().includes(id)),
    30000,
    'steady events delivered',
  );
  await new Promise((r) => setTimeout(r, 1000));
  const counts = new Map<string, number>();
  for (const id of subscriber.ids().slice(settled)) counts.set(id, (counts.get(id) ?? 0) + 1);
  const duplicated = steady.filter((id) => (counts.get(id) ?? 0) > 1);
  assert.deepEqual(duplicated, [], 'in steady state every event is delivered once');

  // Under load through b, kill -9 a: b takes a's partitions and everything acknowledged arrives.
  const acknowledged: string[] = [];
  let stop = false;
  const load = (async () => {
    for (let i = 0; !stop; i++) {
      const id = `load-${i}`;
      if (
        (await postEvent(`${b.url}/default/default`, { id, type: 't', partitionkey: `k-${i}` }, { i })) ===
        202
      )
        acknowledged.push(id);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  await new Promise((r) => setTimeout(r, 1500));
  await a.kill();
  await new Promise((r) => setTimeout(r, 3000));
  stop = true;
  await load;
  await eventually(
    () => {
      const delivered = new Set(subscriber.ids());
      return acknowledged.every((id) => delivered.has(id));
    },
    90000,
    `all ${acknowledged.length} acknowledged events delivered after the kill`,
  );
  t.diagnostic(
    `${acknowledged.length} events acknowledged under load, all delivered after kill -9 of one process`,
  );
});
