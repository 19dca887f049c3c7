import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runEventyard, startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { startSubscriber } from '../support/subscriber.ts';
import { startSource } from './source-process.ts';

test('eventyard source ping: a seconds schedule delivers dev.knative.sources.ping events through the broker', async (t) => {
  const dir = await tempDir(t);
  const subscriber = await startSubscriber(t);
  await writeManifest(
    dir,
    'broker.yaml',
    documents(
      brokerYaml('ops', 'default'),
      triggerYaml('heartbeats', subscriber.url, {
        namespace: 'ops',
        spec: 'filter: { attributes: { type: dev.knative.sources.ping } }',
      }),
    ),
  );
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`]);
  t.after(() => broker.stop());
  const ping = await startSource(
    'ping',
    [
      '--sink',
      `${broker.url}/ops/default`,
      '--schedule',
      '*/1 * * * * *',
      '--data',
      '{"check":"batch"}',
      '--name',
      'nightly',
      '--namespace',
      'ops',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
    ],
    t,
  );
  const [first, second] = await subscriber.waitFor(2, 10000);
  for (const request of [first!, second!]) {
    assert.equal(request.headers['ce-type'], 'dev.knative.sources.ping');
    assert.equal(request.headers['ce-source'], '/apis/v1/namespaces/ops/pingsources/nightly');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(request.body.toString()), { check: 'batch' });
  }
  const metrics = await (await fetch(`${ping.url}/metrics`)).text();
  assert.match(
    metrics,
    /eventyard_source_events_total\{kind="ping",source="ops\/nightly",outcome="accepted"\} \d+/,
  );
  assert.equal(await ping.stop(), 0);
});

test('eventyard source ping --once: one event now, the outcome printed; bad flags are named', async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'broker.yaml', brokerYaml('ops', 'default'));
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`]);
  t.after(() => broker.stop());
  const ok = await runEventyard(['source', 'ping', '--sink', `${broker.url}/ops/default`, '--once']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), `default/ping: 202 from ${broker.url}/ops/default`);

  const file = await writeManifest(
    dir,
    'ping.yaml',
    `apiVersion: sources.knative.dev/v1
kind: PingSource
metadata: { name: nightly, namespace: ops }
spec:
  schedule: "0 2 * * *"
  timezone: Europe/Berlin
  contentType: text/plain
  data: run the nightly report
  sink: { uri: ${JSON.stringify(`${broker.url}/ops/default`)} }
`,
  );
  const fromFile = await runEventyard(['source', 'ping', '--config', file, '--once']);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.match(fromFile.stdout, /^ops\/nightly: 202 from /);

  const bad = await runEventyard([
    'source',
    'ping',
    '--sink',
    `${broker.url}/ops/default`,
    '--schedule',
    '* * *',
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^eventyard source: --schedule: "\* \* \*" is not a cron schedule/);
});
