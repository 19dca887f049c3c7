import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, runEventyard, startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { postEvent, startSubscriber } from '../support/subscriber.ts';

test('triggers deliver matching events in binary and structured mode; a bad CEL trigger never stops the others', async (t) => {
  const dir = await tempDir(t);
  const binary = await startSubscriber(t);
  const structured = await startSubscriber(t);
  const cel = await startSubscriber(t);
  const other = await startSubscriber(t);
  const knative = await startSubscriber(t);
  await writeManifest(
    dir,
    'resources.yaml',
    documents(
      brokerYaml('default', 'default'),
      triggerYaml('binary', binary.url, {
        spec: 'filters: [{ exact: { type: com.example.order.created } }]',
      }),
      triggerYaml('structured', structured.url, {
        spec: 'filters: [{ prefix: { type: com.example.order. } }]\ndelivery: { format: json }',
      }),
      triggerYaml('big-orders', cel.url, {
        spec: `filters: [{ cel: "event.data.total > 100 && event.subject == 'eu'" }]`,
      }),
      triggerYaml('broken-cel', other.url, { spec: 'filters: [{ cel: "event.data.total >" }]' }),
      triggerYaml('other-type', other.url, { spec: 'filters: [{ exact: { type: com.example.other } }]' }),
      triggerYaml('knative-style', knative.url, {
        apiVersion: 'eventing.knative.dev/v1',
        spec: 'filter: { attributes: { type: com.example.order.created, source: /shop } }',
      }),
    ),
  );
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`]);
  t.after(() => broker.stop());
  const url = `${broker.url}/default/default`;

  assert.equal(
    await postEvent(
      url,
      {
        id: 'small',
        type: 'com.example.order.created',
        source: '/shop',
        subject: 'eu',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
      { total: 5 },
    ),
    202,
  );
  assert.equal(
    await postEvent(
      url,
      { id: 'big', type: 'com.example.order.created', source: '/web', subject: 'eu' },
      { total: 500 },
    ),
    202,
  );
  assert.equal(
    await postEvent(url, { id: 'shipped', type: 'com.example.order.shipped' }, { total: 900 }),
    202,
  );

  await binary.waitFor(2);
  await structured.waitFor(3);
  await cel.waitFor(1);
  await knative.waitFor(1);

  const first = binary.received.find((r) => r.headers['ce-id'] === 'small')!;
  assert.equal(first.headers['ce-type'], 'com.example.order.created');
  assert.equal(first.headers['ce-subject'], 'eu');
  assert.equal(first.headers['content-type'], 'application/json');
  assert.equal(first.headers.prefer, 'reply');
  assert.equal(first.headers.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  assert.equal(first.headers['ce-knativebrokerttl'], undefined, 'the loop guard is not shown to subscribers');
  assert.match(String(first.headers['ce-knativearrivaltime']), /^\d{4}-/);
  assert.deepEqual(JSON.parse(first.body.toString()), { total: 5 });

  const json = structured.received.map((r) => {
    assert.match(String(r.headers['content-type']), /^application\/cloudevents\+json/);
    return JSON.parse(r.body.toString()) as { id: string; data: unknown; specversion: string };
  });
  assert.deepEqual(json.map((e) => e.id).sort(), ['big', 'shipped', 'small']);
  assert.deepEqual(json.find((e) => e.id === 'big')?.data, { total: 500 });

  assert.deepEqual(cel.ids(), ['big']);
  assert.deepEqual(knative.ids(), ['small']);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(other.received.length, 0, 'neither the broken nor the non-matching trigger received anything');
  assert.equal(binary.received.length, 2);

  const status = await runEventyard(['triggers', '--url', broker.url]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /broken-cel +default +False +FilterInvalid/);
  assert.match(status.stdout, /binary +default +True/);

  const metrics = await (await fetch(`${broker.url}/metrics`)).text();
  assert.match(
    metrics,
    /eventyard_dispatch_events_total\{[^}]*trigger="binary"[^}]*response_code_class="2xx"[^}]*\} 2/,
  );
  await eventually(
    async () =>
      /eventyard_consumer_lag\{[^}]*broker="default"[^}]*\} 0/.test(
        await (await fetch(`${broker.url}/metrics`)).text(),
      ),
    10000,
    'lag 0',
  );
});
