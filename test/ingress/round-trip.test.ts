import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloudEvent, emitterFor, httpTransport, Mode } from 'cloudevents';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { readEmbeddedTopic } from '../support/log-reader.ts';
import { brokerYaml, writeManifest } from '../support/manifests.ts';

const TOPIC = 'eventyard-broker-shop-orders';

test('events in every content mode reach the log attribute by attribute', async (t) => {
  const dir = await tempDir(t);
  const dataDir = `${dir}/data`;
  await writeManifest(dir, 'broker.yaml', brokerYaml('shop', 'orders'));
  const broker = await startEventyard(['--config', dir, '--data-dir', dataDir]);
  t.after(() => broker.stop());
  const url = `${broker.url}/shop/orders`;

  const binary = await fetch(url, {
    method: 'POST',
    headers: {
      'ce-specversion': '1.0',
      'ce-id': 'binary-1',
      'ce-source': '/checkout',
      'ce-type': 'com.example.order.placed',
      'ce-subject': 'order 42',
      'ce-time': '2026-11-25T10:00:00.123Z',
      'ce-partitionkey': 'customer-7',
      'ce-comexampleregion': 'eu%20west',
      'content-type': 'application/json',
    },
    body: '{"total":12.5}',
  });
  assert.equal(binary.status, 202);

  const structured = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'Application/CloudEvents+JSON; charset=UTF-8' },
    body: JSON.stringify({
      specversion: '1.0',
      id: 'structured-1',
      source: '/checkout',
      type: 'com.example.order.shipped',
      datacontenttype: 'application/json',
      priority: 3,
      urgent: true,
      data: { carrier: 'ups' },
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
        source: '/b',
        type: 'com.example.batch',
        data: 'text',
        datacontenttype: 'text/plain',
      },
      { specversion: '1.0', id: 'batch-2', source: '/b', type: 'com.example.batch', data_base64: 'AAEC' },
    ]),
  });
  assert.equal(batch.status, 202);

  const badBatch = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents-batch+json' },
    body: JSON.stringify([
      { specversion: '1.0', id: 'batch-3', source: '/b', type: 'com.example.batch' },
      { specversion: '1.0', id: 'batch-4', source: '/b' },
    ]),
  });
  assert.equal(badBatch.status, 400, 'a batch is all-or-nothing');
  assert.match(((await badBatch.json()) as { message: string }).message, /\[1\].*type|type.*\[1\]/);

  const emit = emitterFor(httpTransport(url), { mode: Mode.BINARY });
  await emit(
    new CloudEvent({ id: 'sdk-binary', source: '/sdk', type: 'com.example.sdk', data: { via: 'sdk' } }),
  );
  const emitStructured = emitterFor(httpTransport(url), { mode: Mode.STRUCTURED });
  await emitStructured(
    new CloudEvent({ id: 'sdk-structured', source: '/sdk', type: 'com.example.sdk', data: { via: 'sdk' } }),
  );

  assert.equal(await broker.stop(), 0);
  const events = await readEmbeddedTopic(dataDir, TOPIC);
  const byId = new Map(events.map((e) => [e.attributes.id, e]));
  assert.deepEqual([...byId.keys()].sort(), [
    'batch-1',
    'batch-2',
    'binary-1',
    'sdk-binary',
    'sdk-structured',
    'structured-1',
  ]);

  const b = byId.get('binary-1')!;
  assert.equal(b.attributes.type, 'com.example.order.placed');
  assert.equal(b.attributes.subject, 'order 42');
  assert.equal(b.attributes.time, '2026-11-25T10:00:00.123Z');
  assert.equal(b.attributes.comexampleregion, 'eu west', 'percent-decoded');
  assert.equal(b.attributes.partitionkey, 'customer-7');
  assert.equal(b.attributes.datacontenttype, 'application/json');
  assert.equal(b.attributes.knativebrokerttl, '255');
  assert.match(b.attributes.knativearrivaltime ?? '', /^\d{4}-\d\d-\d\dT/);
  assert.equal(Buffer.from(b.data!).toString(), '{"total":12.5}');

  const s = byId.get('structured-1')!;
  assert.equal(s.attributes.priority, '3');
  assert.equal(s.attributes.urgent, 'true');
  assert.deepEqual(JSON.parse(Buffer.from(s.data!).toString()), { carrier: 'ups' });

  assert.equal(Buffer.from(byId.get('batch-1')!.data!).toString(), 'text');
  assert.deepEqual([...byId.get('batch-2')!.data!], [0, 1, 2]);
  for (const id of ['sdk-binary', 'sdk-structured']) {
    assert.deepEqual(JSON.parse(Buffer.from(byId.get(id)!.data!).toString()), { via: 'sdk' }, id);
    assert.equal(byId.get(id)!.attributes.source, '/sdk');
  }
});
