import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { assertDelivered, contentMatrix, expectedCount } from '../support/content-matrix.ts';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { startSubscriber } from '../support/subscriber.ts';
import { kafkaBrokers } from './brokers.ts';

test('on Kafka, every content mode × datacontenttype (an event carrying an event too) reaches the subscriber intact', async (t) => {
  const dir = await tempDir(t);
  const suffix = randomBytes(3).toString('hex');
  const subscriber = await startSubscriber(t);
  await writeManifest(
    dir,
    'resources.yaml',
    documents(brokerYaml('default', 'matrix'), triggerYaml('all', subscriber.url, { broker: 'matrix' })),
  );
  const broker = await startEventyard(
    ['--config', dir, '--topic-template', `eyt-${suffix}-{namespace}-{name}`],
    { env: { KAFKA_BROKERS: kafkaBrokers().join(',') } },
  );
  t.after(() => broker.stop());

  const posts = contentMatrix();
  for (const post of posts) {
    const response = await fetch(`${broker.url}/default/matrix`, {
      method: 'POST',
      headers: post.headers,
      body: post.body,
    });
    assert.equal(response.status, 202, `${post.label}: ${await response.text()}`);
  }
  await subscriber.waitFor(expectedCount(posts), 30000);
  assertDelivered(subscriber.received, posts);
});
