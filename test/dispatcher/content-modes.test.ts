import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertDelivered, contentMatrix, expectedCount } from '../support/content-matrix.ts';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { startSubscriber } from '../support/subscriber.ts';

test('every content mode × every datacontenttype reaches the subscriber with the same attributes and data bytes', async (t) => {
  const dir = await tempDir(t);
  const subscriber = await startSubscriber(t);
  await writeManifest(
    dir,
    'resources.yaml',
    documents(brokerYaml('default', 'matrix'), triggerYaml('all', subscriber.url, { broker: 'matrix' })),
  );
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`]);
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
  await subscriber.waitFor(expectedCount(posts));
  assertDelivered(subscriber.received, posts);
  // Nothing went to the dead-letter topic as "not a CloudEvent".
  assert.equal(broker.logs.filter((record) => /not a CloudEvent/i.test(JSON.stringify(record))).length, 0);
});
