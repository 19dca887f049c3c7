import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileWebhookSource, loadWebhookSources } from '@eventyard/sources';
import { tempDir } from '../../../../test/support/eventyard.ts';

function source(
  spec: Record<string, unknown>,
  metadata: Record<string, unknown> = { name: 'crm', namespace: 'callcenter' },
) {
  return {
    apiVersion: 'sources.eventyard.dev/v1',
    kind: 'WebhookSource',
    metadata,
    spec: {
      sink: { uri: 'http://localhost:8080/callcenter/default' },
      mapping: { type: "'com.example.crm.' + body.event" },
      ...spec,
    },
  };
}

function problems(document: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  return compileWebhookSource(document, env).problems.map((p) => `${p.path}: ${p.message}`);
}

test('a minimal source compiles with defaults', () => {
  const { source: compiled, problems: found } = compileWebhookSource(source({}), {});
  assert.deepEqual(found, []);
  assert.ok(compiled);
  assert.equal(compiled.path, '/');
  assert.equal(compiled.sink, 'http://localhost:8080/callcenter/default');
  assert.equal(compiled.defaultSource, '/apis/v1/namespaces/callcenter/webhooksources/crm');
  assert.equal(compiled.signature, undefined);
  assert.equal(compiled.dedupWindowMs, 0, 'no id mapping: nothing to deduplicate');
  assert.deepEqual(compiled.delivery, {
    retry: 3,
    backoffPolicy: 'exponential',
    backoffDelayMs: 200,
    timeoutMs: 5000,
    retryAfterMaxMs: 10000,
  });
});

test('unknown fields, wrong types and missing fields are named by path', () => {
  assert.deepEqual(
    problems({
      ...source({ mapping: { typ: 'x' }, retries: 3, dedup: { window: 'ten minutes' } }),
    }).sort(),
    [
      '/spec/retries: unknown field "retries"; expected one of: sink, path, mapping, signature, dedup, delivery',
      '/spec/mapping/typ: unknown field "typ"; expected one of: type, source, id, subject, time, dataschema, extensions, data',
      '/spec/mapping/type: is required',
      '/spec/dedup/window: must be an ISO 8601 duration such as PT0.2S, PT5S, PT1M30S or P1D',
    ].sort(),
  );
});

test('CEL errors name the field, line and column', () => {
  const found = problems(source({ mapping: { type: "'a' +", extensions: { tier: 'body.tier +* 1' } } }));
  assert.equal(found.length, 2);
  assert.match(found[0]!, /^\/spec\/mapping\/type: .*\(line 1, column \d+\)$/);
  assert.match(found[1]!, /^\/spec\/mapping\/extensions\/tier: .*\(line 1, column \d+\)$/);
  assert.deepEqual(problems(source({ mapping: { type: 'request.kind' } })).length, 1);
});

test('extension names follow CloudEvents naming and may not shadow attributes', () => {
  assert.deepEqual(
    problems(source({ mapping: { type: "'t'", extensions: { Tier: "'x'", subject: "'y'" } } })),
    [
      '/spec/mapping/extensions/Tier: "Tier" is not a CloudEvents attribute name: use lowercase letters a-z and digits 0-9 only (CloudEvents 1.0.2 "Attribute Naming Convention")',
      '/spec/mapping/extensions/subject: "subject" is a CloudEvents attribute, not an extension; map it directly',
    ],
  );
});

test('the signature secret comes from exactly one place, read at load', () => {
  const spec = (signature: Record<string, unknown>) =>
    source({ signature: { header: 'X-Hub-Signature-256', ...signature } });
  assert.deepEqual(problems(spec({})), [
    '/spec/signature: needs the shared secret: one of secret, secretEnv or secretFile',
  ]);
  assert.deepEqual(problems(spec({ secret: 'a', secretEnv: 'B' })), [
    '/spec/signature: takes one of secret, secretEnv or secretFile, not secret and secretEnv',
  ]);
  assert.deepEqual(problems(spec({ secretEnv: 'CRM_SECRET' })), [
    "/spec/signature/secretEnv: environment variable CRM_SECRET is not set (it holds the webhook's shared secret)",
  ]);
  const { source: compiled } = compileWebhookSource(spec({ secretEnv: 'CRM_SECRET', prefix: 'sha256=' }), {
    CRM_SECRET: 'hush',
  });
  assert.equal(compiled?.signature?.secret.toString(), 'hush');
  assert.equal(compiled?.signature?.header, 'x-hub-signature-256');
  assert.equal(compiled?.signature?.algorithm, 'sha256');
});

test('dedup needs an id mapping; the path must be free', () => {
  assert.deepEqual(problems(source({ dedup: { window: 'PT1M' } })), [
    '/spec/dedup: needs /spec/mapping/id: without it every event gets a new random id and nothing can be a duplicate',
  ]);
  assert.deepEqual(problems(source({ path: '/metrics' })), [
    '/spec/path: /metrics is served by the source itself; choose another path',
  ]);
  assert.deepEqual(problems(source({ sink: { uri: 'localhost:8080' } })).length, 1);
});

test('loads sources from a folder shared with Brokers, naming file and document of each problem', async (t) => {
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'all.yaml'),
    `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: { name: default, namespace: callcenter }
---
apiVersion: sources.eventyard.dev/v1
kind: WebhookSource
metadata: { name: crm, namespace: callcenter }
spec:
  sink: { uri: http://localhost:8080/callcenter/default }
  path: /crm
  mapping: { type: "'com.example.crm'" }
---
apiVersion: sources.eventyard.dev/v1
kind: WebhookSource
metadata: { name: crm2, namespace: callcenter }
spec:
  sink: { uri: http://localhost:8080/callcenter/default }
  path: /crm
  mapping: { type: "'com.example.crm'" }
`,
  );
  const loaded = await loadWebhookSources([dir], {});
  assert.equal(loaded.sources.length, 1);
  assert.deepEqual(loaded.problems, [
    {
      file: join(dir, 'all.yaml'),
      document: 2,
      path: '/spec/path',
      message: '/crm is already the path of WebhookSource callcenter/crm; give each source its own path',
    },
  ]);
  const none = await loadWebhookSources([join(dir, 'all.yaml')], {});
  assert.equal(none.sources.length, 1);
  await writeFile(join(dir, 'all.yaml'), 'kind: Broker\n');
  const empty = await loadWebhookSources([dir], {});
  assert.match(empty.problems[0]!.message, /no WebhookSource found/);
});
