import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, writeManifest } from '../support/manifests.ts';

test('the ingress answers every status code of the data-plane rules', async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'broker.yaml', brokerYaml('team-a', 'default'));
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`, '--max-body', '4kb']);
  t.after(() => broker.stop());
  const url = `${broker.url}/team-a/default`;
  const binary = {
    'ce-specversion': '1.0',
    'ce-id': 'e-1',
    'ce-source': '/crm',
    'ce-type': 'com.example.customer.updated',
    'content-type': 'application/json',
  };

  await t.test('202 for a valid binary event', async () => {
    const response = await fetch(url, { method: 'POST', headers: binary, body: '{"a":1}' });
    assert.equal(response.status, 202);
  });

  await t.test('400 names the missing attribute', async () => {
    const { 'ce-source': _, ...headers } = binary;
    const response = await fetch(url, { method: 'POST', headers, body: '{}' });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { code: string; message: string; details: { attribute: string } };
    assert.equal(body.code, 'EY_INVALID_EVENT');
    assert.equal(body.details.attribute, 'source');
    assert.match(body.message, /source/);
  });

  await t.test('400 for a structured event that is not JSON', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: '{not json',
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { message: string }).message, /JSON/);
  });

  await t.test('400 when the loop guard TTL is spent', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...binary, 'ce-knativebrokerttl': '0' },
      body: '{}',
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { code: string }).code, 'EY_TTL_EXHAUSTED');
  });

  await t.test('404 for an unknown broker or namespace', async () => {
    for (const path of ['/team-a/missing', '/team-b/default']) {
      const response = await fetch(`${broker.url}${path}`, { method: 'POST', headers: binary, body: '{}' });
      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as { code: string }).code, 'EY_BROKER_NOT_FOUND');
    }
  });

  await t.test('405 with Allow for other methods, OPTIONS answers 200 with Allow', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(url, { method });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('allow'), 'POST, OPTIONS');
      await response.body?.cancel();
    }
    const options = await fetch(url, {
      method: 'OPTIONS',
      headers: { 'webhook-request-origin': 'crm.example.com' },
    });
    assert.equal(options.status, 200);
    assert.equal(options.headers.get('allow'), 'POST, OPTIONS');
    assert.equal(options.headers.get('webhook-allowed-origin'), 'crm.example.com');
  });

  await t.test('413 above --max-body', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: binary,
      body: JSON.stringify({ x: 'y'.repeat(5000) }),
    });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { code: string }).code, 'EY_BODY_TOO_LARGE');
  });

  await t.test('415 for an unsupported event format', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+xml' },
      body: '<event/>',
    });
    assert.equal(response.status, 415);
  });

  await t.test('415 with its own code for a content-type that is not a media type', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...binary, 'content-type': ';;;==' },
      body: '{}',
    });
    assert.equal(response.status, 415);
    const body = (await response.json()) as { code: string; message: string; details: { header: string } };
    assert.equal(body.code, 'EY_INVALID_CONTENT_TYPE');
    assert.equal(body.details.header, 'content-type');
    assert.match(body.message, /content-type ";;;==" is not a valid media type/);
  });

  await t.test('400 naming the header for a repeated ce-* header or Content-Type', async () => {
    const cases: Array<[Record<string, string | string[]>, string]> = [
      [{ ...binary, 'ce-id': ['a', 'b'] }, 'ce-id'],
      [{ ...binary, 'ce-partitionkey': ['k1', 'k2'] }, 'ce-partitionkey'],
      [{ ...binary, 'content-type': ['application/json', 'text/plain'] }, 'content-type'],
    ];
    for (const [headers, header] of cases) {
      // fetch merges repeated headers into one line; node:http sends each value on its own line.
      const { status, body } = await new Promise<{ status: number; body: string }>((done, fail) => {
        const req = request(url, { method: 'POST', headers }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', fail);
        req.end('{}');
      });
      assert.equal(status, 400, header);
      const parsed = JSON.parse(body) as { code: string; message: string; details: { header: string } };
      assert.equal(parsed.code, 'EY_INVALID_EVENT');
      assert.equal(parsed.details.header, header);
      assert.match(parsed.message, new RegExp(`header ${header} is repeated`));
    }
  });

  await t.test('health, readiness and metrics', async () => {
    assert.equal((await fetch(`${broker.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${broker.url}/readyz`)).status, 200);
    const metrics = await (await fetch(`${broker.url}/metrics`)).text();
    assert.match(
      metrics,
      /eventyard_ingress_events_total\{namespace="team-a",broker="default",event_type="com.example.customer.updated",code="202"\} 1/,
    );
    assert.match(
      metrics,
      /eventyard_ingress_events_total\{namespace="team-a",broker="default",event_type="",code="400"\}/,
    );
    assert.match(
      metrics,
      /eventyard_ingress_events_total\{namespace="team-a",broker="default",event_type="",code="415"\} 2/,
    );
    assert.match(metrics, /eventyard_ingress_request_duration_seconds_bucket/);
    assert.match(metrics, /process_cpu_user_seconds_total/);
  });

  assert.equal(await broker.stop(), 0);
});
