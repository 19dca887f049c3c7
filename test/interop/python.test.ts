import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { type Received, startSubscriber } from '../support/subscriber.ts';
import { runClient, startClient } from './client-process.ts';
import { INTEROP_DIR, pythonWithCloudEvents } from './toolchain.ts';

const PY = join(INTEROP_DIR, 'python');

function byId(received: Received[], id: string): Received {
  const found = received.find((r) => r.headers['ce-id'] === id);
  assert.ok(found, `no delivery of ${id}; got ${received.map((r) => r.headers['ce-id']).join(', ')}`);
  return found;
}

test('the CloudEvents Python SDK posts binary and structured events, and receives and replies as a subscriber', async (t) => {
  const python = await pythonWithCloudEvents();
  const subscriber = startClient(python, [join(PY, 'subscriber.py')], t);
  const { listening } = (await subscriber.waitFor((line) => 'listening' in line)) as { listening: number };
  const pySubscriber = `http://127.0.0.1:${listening}`;
  const everything = await startSubscriber(t);

  const dir = await tempDir(t);
  await writeManifest(
    dir,
    'interop.yaml',
    documents(
      brokerYaml('interop', 'default'),
      triggerYaml('py-binary', `${pySubscriber}/binary`, {
        namespace: 'interop',
        spec: 'filters: [{ exact: { type: com.example.py.order } }]',
      }),
      // Knative's delivery format json: the subscriber gets structured mode.
      triggerYaml('py-structured', `${pySubscriber}/structured`, {
        namespace: 'interop',
        spec: 'filters: [{ exact: { type: com.example.py.order } }]\ndelivery: { format: json }',
      }),
      triggerYaml('everything', everything.url, { namespace: 'interop' }),
    ),
  );
  const broker = await startEventyard(['--config', dir, '--data-dir', join(dir, 'data')]);
  t.after(() => broker.stop());

  // Producer: every event the SDK wrote is accepted.
  const produced = await runClient(python, [join(PY, 'producer.py'), `${broker.url}/interop/default`]);
  assert.equal(produced.code, 0, produced.stderr);
  assert.deepEqual(
    produced.lines.map((l) => [l.id, l.api, l.mode, l.status, l.body]),
    [
      ['py-bin-1', 'core', 'binary', 202, ''],
      ['py-str-1', 'core', 'structured', 202, ''],
      ['py-text-1', 'core', 'binary', 202, ''],
      ['py-bytes-1', 'core', 'structured', 202, ''],
      ['py-v1-1', 'v1', 'structured', 202, ''],
    ],
  );

  // What the broker delivered of them (binary mode), byte for byte.
  const received = await everything.waitFor(9, 20000);
  const binary = byId(received, 'py-bin-1');
  assert.equal(binary.headers['ce-type'], 'com.example.py.order');
  assert.equal(binary.headers['ce-source'], '/python/producer');
  assert.equal(decodeURIComponent(String(binary.headers['ce-subject'])), 'order 1 — Zoë & Co');
  assert.equal(Date.parse(String(binary.headers['ce-time'])), Date.parse('2026-03-01T12:30:00.250Z'));
  assert.equal(binary.headers['ce-region'], 'eu-west');
  assert.equal(binary.headers['ce-partitionkey'], 'customer-1');
  assert.equal(binary.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(binary.body.toString()), { amount: 12.5, items: ['a', 'b'], note: 'ünïcode' });
  const structured = byId(received, 'py-str-1');
  assert.equal(structured.headers['ce-region'], 'us-east');
  assert.equal(structured.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(structured.body.toString()), { amount: 99, items: [] });
  const text = byId(received, 'py-text-1');
  assert.equal(text.headers['content-type'], 'text/plain');
  assert.equal(text.body.toString(), 'hello from python');
  const bytes = byId(received, 'py-bytes-1');
  assert.equal(bytes.headers['content-type'], 'application/octet-stream');
  assert.deepEqual([...bytes.body], [0x00, 0x01, 0xfe, 0xff]);
  const legacy = byId(received, 'py-v1-1');
  assert.equal(legacy.headers['ce-source'], '/python/producer-v1');
  assert.deepEqual(JSON.parse(legacy.body.toString()), { from: 'sdk 1.x api' });

  // Subscriber: the SDK read each order in both content modes, with every attribute intact.
  const orders = await subscriber.waitForCount((line) => 'received' in line, 4);
  assert.deepEqual(
    subscriber.lines.filter((line) => 'error' in line),
    [],
  );
  const seen = orders.map((line) => {
    const event = line.received as Record<string, unknown>;
    return `${event.id} ${line.mode}`;
  });
  assert.deepEqual(seen.sort(), [
    'py-bin-1 binary',
    'py-bin-1 structured',
    'py-str-1 binary',
    'py-str-1 structured',
  ]);
  for (const line of orders.filter((l) => (l.received as { id: string }).id === 'py-bin-1')) {
    const event = line.received as Record<string, unknown>;
    assert.equal(event.specversion, '1.0');
    assert.equal(event.type, 'com.example.py.order');
    assert.equal(event.source, '/python/producer');
    assert.equal(event.subject, 'order 1 — Zoë & Co');
    assert.equal(event.region, 'eu-west');
    assert.equal(event.partitionkey, 'customer-1');
    assert.equal(event.datacontenttype, 'application/json');
    assert.equal(Date.parse(String(event.time)), Date.parse('2026-03-01T12:30:00.250Z'));
    assert.deepEqual(event.data, { amount: 12.5, items: ['a', 'b'], note: 'ünïcode' });
  }

  // Replies the SDK wrote went back into the broker and were routed like any event.
  for (const id of ['py-bin-1', 'py-str-1']) {
    for (const mode of ['binary', 'structured']) {
      const reply = byId(received, `confirm-${id}-${mode}`);
      assert.equal(reply.headers['ce-type'], 'com.example.py.confirmed');
      assert.equal(reply.headers['ce-source'], '/python/subscriber');
      assert.deepEqual(JSON.parse(reply.body.toString()), { order: id, seenAs: mode });
    }
  }
});
