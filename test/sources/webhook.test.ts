import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { runEventyard, startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, documents, triggerYaml, writeManifest } from '../support/manifests.ts';
import { startSubscriber } from '../support/subscriber.ts';
import { startSource } from './source-process.ts';

const SECRET = 'zendesk-signing-secret';

function webhookSourceYaml(sink: string, extra = ''): string {
  return `apiVersion: sources.eventyard.dev/v1
kind: WebhookSource
metadata: { name: crm, namespace: callcenter }
spec:
  sink: { uri: ${JSON.stringify(sink)} }
  path: /webhooks/crm
  mapping:
    type: "'com.example.crm.customer.' + body.action"
    source: "'/crm/' + headers['x-crm-account']"
    id: body.delivery_id
    subject: body.customer.id
    extensions:
      tier: "body.customer.?tier.orValue('standard')"
  signature: { secretEnv: CRM_SECRET, header: X-Crm-Signature, algorithm: sha256, encoding: base64 }
  dedup: { window: PT5M }
${extra}`;
}

function signedPost(url: string, body: unknown) {
  const payload = JSON.stringify(body);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-crm-account': 'acme',
      'x-crm-signature': createHmac('sha256', SECRET).update(payload).digest('base64'),
    },
    body: payload,
  });
}

test('eventyard source webhook: a CRM webhook reaches a trigger subscriber as a CloudEvent, once', async (t) => {
  const dir = await tempDir(t);
  const subscriber = await startSubscriber(t);
  await writeManifest(
    dir,
    'broker.yaml',
    documents(
      brokerYaml('callcenter', 'default'),
      triggerYaml('gold-customers', subscriber.url, {
        namespace: 'callcenter',
        spec: 'filters: [{ prefix: { type: com.example.crm. } }, { exact: { tier: gold } }]',
      }),
    ),
  );
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`]);
  t.after(() => broker.stop());
  // Sources share the folder with the Broker: each side reads only its own kinds.
  await writeManifest(dir, 'crm-source.yaml', webhookSourceYaml(`${broker.url}/callcenter/default`));
  const source = await startSource('webhook', ['--config', dir, '--port', '0', '--host', '127.0.0.1'], t, {
    CRM_SECRET: SECRET,
  });
  const url = `${source.url}/webhooks/crm`;

  const body = { delivery_id: 'd-100', action: 'updated', customer: { id: 'c-42', tier: 'gold' } };
  const accepted = await signedPost(url, body);
  assert.equal(accepted.status, 202);
  assert.deepEqual(await accepted.json(), {
    status: 'accepted',
    id: 'd-100',
    source: '/crm/acme',
    type: 'com.example.crm.customer.updated',
  });
  const [delivered] = await subscriber.waitFor(1);
  assert.equal(delivered!.headers['ce-id'], 'd-100');
  assert.equal(delivered!.headers['ce-type'], 'com.example.crm.customer.updated');
  assert.equal(delivered!.headers['ce-source'], '/crm/acme');
  assert.equal(delivered!.headers['ce-subject'], 'c-42');
  assert.equal(delivered!.headers['ce-tier'], 'gold');
  assert.deepEqual(JSON.parse(delivered!.body.toString()), body);

  // The CRM retries the same delivery: acknowledged, not published again.
  const again = await signedPost(url, body);
  assert.equal(again.status, 200);
  assert.equal(((await again.json()) as { status: string }).status, 'duplicate');
  // A standard-tier customer is accepted by the broker but matches no trigger.
  assert.equal(
    (await signedPost(url, { delivery_id: 'd-101', action: 'created', customer: { id: 'c-7' } })).status,
    202,
  );
  const forged = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-crm-signature': 'AAAA' },
    body: JSON.stringify(body),
  });
  assert.equal(forged.status, 401);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(subscriber.received.length, 1);

  const metrics = await (await fetch(`${source.url}/metrics`)).text();
  assert.match(metrics, /eventyard_source_webhook_requests_total\{source="callcenter\/crm",code="202"\} 2/);
  assert.match(metrics, /eventyard_source_webhook_requests_total\{source="callcenter\/crm",code="401"\} 1/);
  assert.equal(await source.stop(), 0);
});

test("eventyard source webhook: the broker's 404 reaches the CRM with the broker's message", async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'broker.yaml', brokerYaml('callcenter', 'default'));
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`]);
  t.after(() => broker.stop());
  await writeManifest(
    dir,
    'crm-source.yaml',
    webhookSourceYaml(
      `${broker.url}/callcenter/missing`,
      '  delivery: { retry: 1, backoffDelay: PT0.01S }\n',
    ),
  );
  const source = await startSource('webhook', ['--config', dir, '--port', '0', '--host', '127.0.0.1'], t, {
    CRM_SECRET: SECRET,
  });
  const response = await signedPost(`${source.url}/webhooks/crm`, {
    delivery_id: 'd-1',
    action: 'updated',
    customer: { id: 'c-1' },
  });
  assert.equal(response.status, 404);
  const body = (await response.json()) as { code: string; message: string };
  assert.equal(body.code, 'EY_SINK_REJECTED');
  assert.equal(
    body.message,
    'the broker rejected the event with 404 EY_BROKER_NOT_FOUND: broker "missing" not found in namespace "callcenter"',
  );
});

test('eventyard source webhook: configuration problems name file, document and field; nothing starts', async (t) => {
  const dir = await tempDir(t);
  const file = await writeManifest(
    dir,
    'bad.yaml',
    `apiVersion: sources.eventyard.dev/v1
kind: WebhookSource
metadata: { name: crm }
spec:
  sink: { uri: http://localhost:8080/default/default }
  mapping:
    type: "'com.example.' +"
    extensions: { Tier: body.tier }
  signature: { secretEnv: NOT_SET_ANYWHERE, header: x-sig }
  retries: 3
`,
  );
  const { code, stderr } = await runEventyard(['source', 'webhook', '--config', dir, '--port', '0'], {
    env: { NOT_SET_ANYWHERE: '' },
  });
  assert.equal(code, 1);
  const lines = stderr.trim().split('\n');
  assert.equal(lines.at(-1), '1 problem; nothing started');
  assert.equal(
    lines[0],
    `${file} (document 1) /spec/retries: unknown field "retries"; expected one of: sink, path, mapping, signature, dedup, delivery`,
  );
  await writeManifest(dir, 'bad.yaml', (await readFile(file, 'utf8')).replace('  retries: 3\n', ''));
  const second = await runEventyard(['source', 'webhook', '--config', dir, '--port', '0'], {
    env: { NOT_SET_ANYWHERE: '' },
  });
  assert.equal(second.code, 1);
  assert.match(second.stderr, /\/spec\/mapping\/type: .*\(line 1, column \d+\)/);
  assert.match(
    second.stderr,
    /\/spec\/mapping\/extensions\/Tier: "Tier" is not a CloudEvents attribute name/,
  );
  assert.match(
    second.stderr,
    /\/spec\/signature\/secretEnv: environment variable NOT_SET_ANYWHERE is not set/,
  );
  assert.match(second.stderr, /3 problems; nothing started/);
});
