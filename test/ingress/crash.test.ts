import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { readEmbeddedTopic } from '../support/log-reader.ts';
import { brokerYaml, writeManifest } from '../support/manifests.ts';

test('kill -9 during a burst loses no acknowledged event', async (t) => {
  const dir = await tempDir(t);
  const dataDir = `${dir}/data`;
  await writeManifest(dir, 'broker.yaml', brokerYaml('default', 'burst'));
  const broker = await startEventyard(['--config', dir, '--data-dir', dataDir]);
  t.after(() => broker.kill());
  const url = `${broker.url}/default/burst`;

  const acknowledged = new Set<string>();
  let next = 0;
  let killed = false;
  const worker = async () => {
    while (!killed) {
      const id = `e-${next++}`;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'ce-specversion': '1.0',
            'ce-id': id,
            'ce-source': '/burst',
            'ce-type': 't',
            'content-type': 'text/plain',
          },
          body: `payload ${id}`,
        });
        if (response.status === 202) acknowledged.add(id);
      } catch {
        // The connection dies with the process: that event was not acknowledged.
      }
    }
  };
  const workers = Array.from({ length: 16 }, worker);
  while (acknowledged.size < 1000) await new Promise((r) => setTimeout(r, 5));
  await broker.kill();
  killed = true;
  await Promise.all(workers);

  const stored = new Map(
    (await readEmbeddedTopic(dataDir, 'eventyard-broker-default-burst')).map((e) => [e.attributes.id, e]),
  );
  const missing = [...acknowledged].filter((id) => !stored.has(id));
  assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.size} acknowledged events lost`);
  for (const id of acknowledged) assert.equal(Buffer.from(stored.get(id)!.data!).toString(), `payload ${id}`);

  // The restarted broker keeps accepting on the same data directory.
  const again = await startEventyard(['--config', dir, '--data-dir', dataDir]);
  t.after(() => again.stop());
  const response = await fetch(`${again.url}/default/burst`, {
    method: 'POST',
    headers: { 'ce-specversion': '1.0', 'ce-id': 'after', 'ce-source': '/burst', 'ce-type': 't' },
  });
  assert.equal(response.status, 202);
});
