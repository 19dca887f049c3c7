import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { postEvent, startSubscriber } from '../support/subscriber.ts';
import { kafkaBrokers } from './brokers.ts';

test('ingress and dispatcher run as separate processes that meet only through Kafka', async (t) => {
  const dir = await tempDir(t);
  const suffix = randomBytes(3).toString('hex');
  const subscriber = await startSubscriber(t);
  await writeManifest(
    dir,
    'resources.yaml',
    documents(brokerYaml('default', 'default'), triggerYaml('all', subscriber.url)),
  );
  const common = ['--config', dir, '--topic-template', `eyt-${suffix}-{namespace}-{name}`];
  const env = { KAFKA_BROKERS: kafkaBrokers().join(',') };
  const ingress = await startEventyard([...common, '--role', 'ingress'], { env });
  t.after(() => ingress.stop());
  const dispatcher = await startEventyard([...common, '--role', 'dispatcher'], { env });
  t.after(() => dispatcher.stop());

  // The dispatcher-only process serves probes and metrics, but no broker ingress.
  assert.equal((await fetch(`${dispatcher.url}/readyz`)).status, 200);
  assert.equal(await postEvent(`${dispatcher.url}/default/default`, { id: 'nope', type: 't' }), 404);

  for (let i = 0; i < 20; i++)
    assert.equal(await postEvent(`${ingress.url}/default/default`, { id: `e-${i}`, type: 't' }, { i }), 202);
  await subscriber.waitFor(20, 30000);
  assert.deepEqual(subscriber.ids().sort(), Array.from({ length: 20 }, (_, i) => `e-${i}`).sort());

  const ingressMetrics = await (await fetch(`${ingress.url}/metrics`)).text();
  assert.doesNotMatch(ingressMetrics, /eventyard_dispatch_events_total\{/);
  const dispatcherMetrics = await (await fetch(`${dispatcher.url}/metrics`)).text();
  assert.match(
    dispatcherMetrics,
    /eventyard_dispatch_events_total\{[^}]*response_code_class="2xx"[^}]*\} 20/,
  );
});
