import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { runEventyard, startEventyard, tempDir } from '../support/eventyard.ts';
import { readEmbeddedTopic } from '../support/log-reader.ts';
import { brokerYaml, writeManifest } from '../support/manifests.ts';

test('validate prints every problem with file and path, and exits 1', async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'good.yaml', brokerYaml('default', 'default'));
  await writeManifest(
    dir,
    'bad.yaml',
    `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: { name: t1 }
spec:
  broker: default
  subscriber: { uri: http://example.com/ }
  delivery: { backoffDelay: soon }
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: { name: t2 }
spec:
  broker: default
  subscriber: { uri: http://example.com/ }
  colour: blue
`,
  );
  const result = await runEventyard(['validate', '--config', dir]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /bad\.yaml.*document 1.*\/spec\/delivery\/backoffDelay/);
  assert.match(result.stdout, /bad\.yaml.*document 2.*\/spec.*colour/);
  assert.doesNotMatch(result.stdout, /good\.yaml/);

  const ok = await runEventyard(['validate', '--config', `${dir}/good.yaml`]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /1 broker/);
});

test('examples/manifests are valid', async () => {
  const result = await runEventyard(['validate', '--config', 'examples/manifests']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
});

test('a bad flag, a port in use and an unusable data dir give clear messages', async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'broker.yaml', brokerYaml('default', 'default'));

  const badFlag = await runEventyard(['start', '--config', dir, '--prot', '8080']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--prot/);
  assert.match(badFlag.stderr, /Usage: eventyard start/);

  const badRole = await runEventyard(['start', '--config', dir, '--role', 'both']);
  assert.equal(badRole.code, 2);
  assert.match(badRole.stderr, /--role must be one of all, ingress, dispatcher/);

  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const inUse = await runEventyard([
    'start',
    '--config',
    dir,
    '--data-dir',
    `${dir}/data`,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
  ]);
  assert.equal(inUse.code, 1);
  assert.match(inUse.stderr, new RegExp(`port ${port} is already in use`));

  await writeFile(`${dir}/not-a-dir`, 'x');
  const badDir = await runEventyard([
    'start',
    '--config',
    dir,
    '--data-dir',
    `${dir}/not-a-dir`,
    '--port',
    '0',
  ]);
  assert.equal(badDir.code, 1);
  assert.match(badDir.stderr, /data directory .*not-a-dir/);

  const missingConfig = await runEventyard([
    'start',
    '--config',
    `${dir}/nope`,
    '--data-dir',
    `${dir}/data`,
    '--port',
    '0',
  ]);
  assert.equal(missingConfig.code, 1);
  assert.match(missingConfig.stderr, /nope/);
});

test('send posts one event in binary or structured mode and prints the status', async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'broker.yaml', brokerYaml('default', 'default'));
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`]);
  t.after(() => broker.stop());
  const target = `${broker.url}/default/default`;

  const sent = await runEventyard([
    'send',
    target,
    '--type',
    'com.example.ping',
    '--source',
    '/cli',
    '--id',
    'cli-1',
    '--data',
    '{"hello":"world"}',
    '--extension',
    'tenant=acme',
  ]);
  assert.equal(sent.code, 0, sent.stderr);
  assert.match(sent.stdout, /^202 Accepted/);

  const structured = await runEventyard([
    'send',
    target,
    '--type',
    't',
    '--source',
    '/cli',
    '--id',
    'cli-2',
    '--mode',
    'structured',
    '--data',
    'plain text',
  ]);
  assert.equal(structured.code, 0, structured.stderr);

  const notFound = await runEventyard([
    'send',
    `${broker.url}/default/nope`,
    '--type',
    't',
    '--source',
    '/s',
  ]);
  assert.equal(notFound.code, 1);
  assert.match(notFound.stdout, /^404/);

  const missingType = await runEventyard(['send', target, '--source', '/s']);
  assert.equal(missingType.code, 2);
  assert.match(missingType.stderr, /--type is required/);

  assert.equal(await broker.stop(), 0);
  const events = new Map(
    (await readEmbeddedTopic(`${dir}/data`, 'eventyard-broker-default-default')).map((e) => [
      e.attributes.id,
      e,
    ]),
  );
  assert.equal(events.get('cli-1')?.attributes.tenant, 'acme');
  assert.deepEqual(JSON.parse(Buffer.from(events.get('cli-1')!.data!).toString()), { hello: 'world' });
  assert.equal(events.get('cli-2')?.attributes.datacontenttype, 'text/plain');
  assert.equal(Buffer.from(events.get('cli-2')!.data!).toString(), 'plain text');
});

test('match prints the triggers an event would reach and why the others would not', async (t) => {
  const dir = await tempDir(t);
  const event = `${dir}/order.json`;
  await writeFile(
    event,
    JSON.stringify({
      specversion: '1.0',
      id: 'o-1',
      source: '/shop',
      type: 'com.example.order.created',
      data: { total: 1500 },
    }),
  );
  const big = await runEventyard(['match', '--config', 'examples/manifests', '--event', event]);
  assert.equal(big.code, 0, big.stderr);
  assert.match(big.stdout, /MATCH +default\/order-created .*-> http:\/\/localhost:9090\//);
  assert.match(big.stdout, /MATCH +default\/large-orders /);

  await writeFile(
    event,
    JSON.stringify({
      specversion: '1.0',
      id: 'o-2',
      source: '/shop',
      type: 'com.example.order.created',
      data: { total: 5 },
    }),
  );
  const small = await runEventyard(['match', '--config', 'examples/manifests', '--event', event]);
  assert.equal(small.code, 0);
  assert.match(small.stdout, /NO MATCH +default\/large-orders .*filters\[1\]/);

  const missing = await runEventyard(['match', '--config', 'examples/manifests']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--event FILE.json is required/);
});
