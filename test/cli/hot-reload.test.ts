import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { eventually, startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, writeManifest } from '../support/manifests.ts';

const headers = { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-source': '/s', 'ce-type': 't' };

test('resource files are applied without restart, and a broken file never stops the others', async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'a.yaml', brokerYaml('default', 'a'));
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`]);
  t.after(() => broker.stop());
  const post = async (name: string) => {
    const response = await fetch(`${broker.url}/default/${name}`, { method: 'POST', headers });
    await response.body?.cancel();
    return response.status;
  };

  assert.equal(await post('a'), 202);
  assert.equal(await post('b'), 404);

  await writeManifest(dir, 'b.yaml', brokerYaml('default', 'b'));
  await eventually(async () => (await post('b')) === 202, 10000, 'broker b to be added');

  // A broken edit of b.yaml is reported and the last good version of b keeps serving.
  await writeManifest(
    dir,
    'b.yaml',
    'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: {name: b\n  bad: [',
  );
  await eventually(
    () =>
      broker.logs.some((l) => typeof l.msg === 'string' && l.msg.includes('b.yaml') && Number(l.level) >= 40),
    10000,
    'the broken file to be reported',
  );
  assert.equal(await post('a'), 202);
  assert.equal(await post('b'), 202);

  // Fixing the file to another broker replaces b; deleting a removes it.
  await writeManifest(dir, 'b.yaml', brokerYaml('default', 'c'));
  await eventually(
    async () => (await post('c')) === 202 && (await post('b')) === 404,
    10000,
    'b replaced by c',
  );
  await rm(`${dir}/a.yaml`);
  await eventually(async () => (await post('a')) === 404, 10000, 'a removed');
  assert.equal(await post('c'), 202);
});
