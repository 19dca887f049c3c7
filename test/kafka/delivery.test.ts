import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CloudEvent, emitterFor, httpTransport, Mode } from 'cloudevents';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { startSubscriber } from '../support/subscriber.ts';
import { kafkaBrokers } from './brokers.ts';

const run = promisify(execFile);
const brokers = kafkaBrokers().join(',');

test('ingress → Kafka → subscriber in every content mode; kcat reads and writes the same records', async (t) => {
  const dir = await tempDir(t);
  const suffix = randomBytes(3).toString('hex');
  const topic = `eyt-${suffix}-default-orders`;
  const subscriber = await startSubscriber(t);
  await writeManifest(
    dir,
    'resources.yaml',
    documents(brokerYaml('default', 'orders'), triggerYaml('all', subscriber.url, { broker: 'orders' })),
  );
  const broker = await startEventyard(
    ['--config', dir, '--topic-template', `eyt-${suffix}-{namespace}-{name}`],
    {
      env: { KAFKA_BROKERS: brokers },
    },
  );
  t.after(() => broker.stop());
  const url = `${broker.url}/default/orders`;

  const binary = await fetch(url, {
    method: 'POST',
    headers: {
      'ce-specversion': '1.0',
      'ce-id': 'binary-1',
      'ce-source': '/shop',
      'ce-type': 'com.example.order.created',
      'ce-partitionkey': 'customer-1',
      'content-type': 'application/json',
    },
    body: '{"total":1}',
  });
  assert.equal(binary.status, 202);
  const structured = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({
      specversion: '1.0',
      id: 'structured-1',
      source: '/shop',
      type: 'com.example.order.created',
      data: { total: 2 },
    }),
  });
  assert.equal(structured.status, 202);
  const batch = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents-batch+json' },
    body: JSON.stringify([
      {
        specversion: '1.0',
        id: 'batch-1',
        source: '/shop',
        type: 'com.example.order.created',
        data: { total: 3 },
      },
      {
        specversion: '1.0',
        id: 'batch-2',
        source: '/shop',
        type: 'com.example.order.created',
        data: { total: 4 },
      },
    ]),
  });
  assert.equal(batch.status, 202);
  await emitterFor(httpTransport(url), { mode: Mode.BINARY })(
    new CloudEvent({ id: 'sdk-1', source: '/sdk', type: 'com.example.order.created', data: { total: 5 } }),
  );

  await subscriber.waitFor(5, 30000);
  assert.deepEqual(subscriber.ids().sort(), ['batch-1', 'batch-2', 'binary-1', 'sdk-1', 'structured-1']);
  const delivered = subscriber.received.find((r) => r.headers['ce-id'] === 'binary-1')!;
  assert.equal(delivered.headers['ce-partitionkey'], 'customer-1');
  assert.deepEqual(JSON.parse(delivered.body.toString()), { total: 1 });

  // kcat sees CloudEvents binary content mode: ce_ headers, the key from partitionkey, the data as value.
  const { stdout } = await run('kcat', ['-b', brokers, '-C', '-t', topic, '-e', '-q', '-f', '%k|%h|%s\n'], {
    timeout: 30000,
  });
  const line = stdout.split('\n').find((l) => l.includes('ce_id=binary-1'));
  assert.ok(line, `kcat output:\n${stdout}`);
  assert.match(line, /^customer-1\|/);
  assert.match(line, /ce_specversion=1\.0/);
  assert.match(line, /ce_type=com\.example\.order\.created/);
  assert.match(line, /content-type=application\/json/);
  assert.match(line, /\|\{"total":1\}$/);

  // A record another tool writes in that format is dispatched like any other.
  await run(
    'sh',
    [
      '-c',
      `printf '%s' '{"from":"kcat"}' | kcat -b ${brokers} -P -t ${topic} -k customer-9 -H ce_specversion=1.0 -H ce_id=kcat-1 -H ce_source=/kcat -H ce_type=com.example.order.created -H content-type=application/json`,
    ],
    { timeout: 30000 },
  );
  await subscriber.waitFor(6, 30000);
  const fromKcat = subscriber.received.find((r) => r.headers['ce-id'] === 'kcat-1')!;
  assert.equal(fromKcat.headers['ce-source'], '/kcat');
  assert.deepEqual(JSON.parse(fromKcat.body.toString()), { from: 'kcat' });
});
