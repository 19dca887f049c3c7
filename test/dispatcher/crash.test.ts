import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { postEvent, startSubscriber } from '../support/subscriber.ts';

test('kill -9 during delivery: every acknowledged event is delivered at least once after restart', async (t) => {
  const dir = await tempDir(t);
  const subscriber = await startSubscriber(t);
  // A slow subscriber, so the kill lands with deliveries in flight and a backlog in the log.
  subscriber.respond((_r, _n, res) => {
    setTimeout(() => res.writeHead(200).end(), 20);
  });
  await writeManifest(
    dir,
    'resources.yaml',
    documents(
      brokerYaml('default', 'default'),
      triggerYaml('slow', subscriber.url, { annotations: { 'eventyard.dev/max-in-flight': '4' } }),
    ),
  );
  const args = ['--config', dir, '--data-dir', `${dir}/data`];
  const first = await startEventyard(args);
  t.after(() => first.kill());
  const url = `${first.url}/default/default`;
  const acknowledged: string[] = [];
  await Promise.all(
    Array.from({ length: 8 }, async (_, worker) => {
      for (let i = 0; i < 60; i++) {
        const id = `e-${worker}-${i}`;
        if ((await postEvent(url, { id, type: 'com.example.t' }, { i })) === 202) acknowledged.push(id);
      }
    }),
  );
  await subscriber.waitFor(50);
  await first.kill();
  const deliveredBeforeKill = new Set(subscriber.ids()).size;
  assert.ok(deliveredBeforeKill < acknowledged.length, 'the kill came before everything was delivered');

  const second = await startEventyard(args);
  t.after(() => second.stop());
  await eventually(
    () => {
      const delivered = new Set(subscriber.ids());
      return acknowledged.every((id) => delivered.has(id));
    },
    30000,
    'every acknowledged event to be delivered',
  );
  t.diagnostic(
    `${acknowledged.length} acknowledged, ${deliveredBeforeKill} delivered before kill -9, ${subscriber.received.length} deliveries in all (${subscriber.received.length - acknowledged.length} duplicates)`,
  );
});
