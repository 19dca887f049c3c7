/**
 * The CRDs of deploy/crds/: generated from core's schema, accepted by a real API server as
 * structural, and judging every manifest the way core does (the API server with strict field
 * validation, as kubectl applies, against core's `validateResource`).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { validateResource } from '@eventyard/core';
import { parseAllDocuments } from 'yaml';
import { renderCrds } from '../../deploy/crds/generate.ts';
import { ROOT } from '../support/eventyard.ts';
import {
  eventyardCrds,
  type KubeCluster,
  resourcePath,
  startKubeCluster,
} from '../support/kube-apiserver.ts';

let cluster: KubeCluster;

before(async () => {
  cluster = await startKubeCluster();
  await cluster.createCrds(await eventyardCrds());
});
after(() => cluster?.stop());

type Document = Record<string, unknown> & {
  kind?: string;
  apiVersion?: string;
  metadata?: Record<string, unknown>;
};

async function yamlFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await yamlFiles(path)));
    else if (/\.ya?ml$/.test(entry.name)) found.push(path);
  }
  return found.sort();
}

/** Every Broker and Trigger document (either group) in examples/ and deploy/. */
async function manifests(): Promise<Array<{ where: string; document: Document }>> {
  const out: Array<{ where: string; document: Document }> = [];
  for (const file of [
    ...(await yamlFiles(join(ROOT, 'examples'))),
    ...(await yamlFiles(join(ROOT, 'deploy'))),
  ]) {
    const docs = parseAllDocuments(await readFile(file, 'utf8'));
    docs.forEach((doc, index) => {
      const document = doc.toJS() as Document | null;
      const group = document?.apiVersion?.split('/')[0];
      if (document === null || (group !== 'eventyard.dev' && group !== 'eventing.knative.dev')) return;
      if (document.kind !== 'Broker' && document.kind !== 'Trigger') return;
      out.push({ where: `${relative(ROOT, file)} (document ${index + 1})`, document });
    });
  }
  return out;
}

/** The API server's verdict: a dry-run create with strict field validation, as `kubectl apply` sends it. */
async function serverAccepts(document: Document): Promise<{ accepted: boolean; message: string }> {
  // Our CRDs serve eventyard.dev, a superset of Knative's group: that is where a cluster keeps them.
  const body = { ...document, apiVersion: 'eventyard.dev/v1' };
  const namespace = String(document.metadata?.namespace ?? 'default');
  const plural = document.kind === 'Broker' ? 'brokers' : 'triggers';
  const response = await cluster.request<{ message?: string }>(
    'POST',
    `${resourcePath('eventyard.dev/v1', plural, namespace)}?dryRun=All&fieldValidation=Strict`,
    body,
  );
  assert.ok(
    [201, 400, 422].includes(response.status),
    `unexpected ${response.status}: ${JSON.stringify(response.body)}`,
  );
  return { accepted: response.status === 201, message: response.body?.message ?? '' };
}

function coreAccepts(document: Document): { accepted: boolean; message: string } {
  const { resource, problems } = validateResource({ ...document, apiVersion: 'eventyard.dev/v1' });
  return {
    accepted: resource !== undefined,
    message: problems.map((p) => `${p.path}: ${p.message}`).join('; '),
  };
}

test('the committed CRDs are what deploy/crds/generate.ts makes from the core schema', async () => {
  for (const [file, text] of renderCrds()) {
    const committed = await readFile(join(ROOT, 'deploy/crds', file), 'utf8');
    assert.equal(committed, text, `${file} is stale: run npm run crds`);
  }
});

test('the API server takes the CRDs as structural, with short names, categories and the status subresource', async () => {
  type Crd = {
    spec: {
      names: { shortNames?: string[]; categories?: string[] };
      versions: Array<{ subresources?: object }>;
    };
    status: { conditions: Array<{ type: string; status: string; message?: string }> };
  };
  for (const name of ['brokers.eventyard.dev', 'triggers.eventyard.dev']) {
    const { body } = await cluster.request<Crd>(
      'GET',
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
    );
    const conditions = Object.fromEntries(body.status.conditions.map((c) => [c.type, c]));
    assert.equal(conditions.Established?.status, 'True');
    assert.equal(conditions.NamesAccepted?.status, 'True');
    assert.equal(conditions.NonStructuralSchema, undefined, conditions.NonStructuralSchema?.message);
    assert.deepEqual(body.spec.versions[0]?.subresources, { status: {} });
    assert.ok((body.spec.names.shortNames ?? []).length > 0);
    assert.deepEqual(body.spec.names.categories, ['all', 'eventyard']);
  }
});

test('every Broker and Trigger in examples/ and deploy/ is accepted or rejected alike by the API server and by core', async () => {
  const found = await manifests();
  assert.ok(found.length >= 4, `expected the example manifests, found ${found.length}`);
  for (const { where, document } of found) {
    const server = await serverAccepts(document);
    const core = coreAccepts(document);
    assert.equal(
      server.accepted,
      core.accepted,
      `${where}: API server ${server.message || 'accepts'}; core ${core.message || 'accepts'}`,
    );
    assert.ok(core.accepted, `${where} should be valid: ${core.message}`);
  }
});

const trigger = (
  spec: Record<string, unknown>,
  metadata: Record<string, unknown> = { name: 't' },
): Document => ({
  apiVersion: 'eventyard.dev/v1',
  kind: 'Trigger',
  metadata,
  spec,
});
const broker = (
  spec: Record<string, unknown>,
  metadata: Record<string, unknown> = { name: 'b' },
): Document => ({
  apiVersion: 'eventyard.dev/v1',
  kind: 'Broker',
  metadata,
  spec,
});
const sub = { uri: 'http://s.example/' };

const CASES: Array<[string, Document, boolean]> = [
  [
    'nested all/any/not filters',
    trigger({
      broker: 'b',
      subscriber: sub,
      filters: [
        { all: [{ exact: { type: 'a' } }, { not: { prefix: { source: '/x' } } }] },
        { any: [{ suffix: { type: '.done' } }, { cel: 'true' }] },
      ],
    }),
    true,
  ],
  [
    'filters deeper than the schema unrolls',
    trigger({ broker: 'b', subscriber: sub, filters: [{ all: [{ all: [{ all: [{ anything: 1 }] }] }] }] }),
    true,
  ],
  [
    'durations with days, minutes and fractions',
    trigger({
      broker: 'b',
      subscriber: sub,
      delivery: { backoffDelay: 'PT0.5S', timeout: 'PT1M30S', retryAfterMax: 'P1D' },
    }),
    true,
  ],
  [
    'a ref with a relative uri',
    trigger({
      broker: 'b',
      subscriber: { ref: { apiVersion: 'v1', kind: 'Service', name: 'svc' }, uri: '/events' },
    }),
    true,
  ],
  [
    'a Broker without spec',
    { apiVersion: 'eventyard.dev/v1', kind: 'Broker', metadata: { name: 'b' } },
    true,
  ],
  [
    'a Broker with topic, partitions and a dead-letter sink',
    broker({ topic: 'my.topic-1', partitions: 3, replicationFactor: 1, delivery: { deadLetterSink: sub } }),
    true,
  ],
  ['an unknown spec field', trigger({ broker: 'b', subscriber: sub, subscribr: sub }), false],
  ['an unknown delivery field', trigger({ broker: 'b', subscriber: sub, delivery: { retries: 3 } }), false],
  [
    'two dialects in one filter',
    trigger({ broker: 'b', subscriber: sub, filters: [{ exact: { type: 'a' }, prefix: { type: 'b' } }] }),
    false,
  ],
  ['an empty filter', trigger({ broker: 'b', subscriber: sub, filters: [{}] }), false],
  ['the cesql dialect', trigger({ broker: 'b', subscriber: sub, filters: [{ cesql: "type = 'a'" }] }), true],
  [
    'its pre-1.15 name sql',
    trigger({ broker: 'b', subscriber: sub, filters: [{ sql: "type = 'a'" }] }),
    true,
  ],
  [
    'cesql beside another dialect',
    trigger({ broker: 'b', subscriber: sub, filters: [{ cesql: "type = 'a'", cel: 'true' }] }),
    false,
  ],
  [
    'a nested filter with two dialects',
    trigger({ broker: 'b', subscriber: sub, filters: [{ not: { exact: { a: 'b' }, cel: 'true' } }] }),
    false,
  ],
  [
    'a number where a string goes',
    trigger({ broker: 'b', subscriber: sub, filter: { attributes: { type: 5 } } }),
    false,
  ],
  ['no broker', trigger({ subscriber: sub }), false],
  ['no subscriber', trigger({ broker: 'b' }), false],
  ['a subscriber with neither ref nor uri', trigger({ broker: 'b', subscriber: {} }), false],
  ['a relative uri without ref', trigger({ broker: 'b', subscriber: { uri: '/events' } }), false],
  [
    'an absolute uri with a ref',
    trigger({
      broker: 'b',
      subscriber: { ref: { apiVersion: 'v1', kind: 'Service', name: 's' }, uri: 'http://x/' },
    }),
    false,
  ],
  [
    'a ref without name',
    trigger({ broker: 'b', subscriber: { ref: { apiVersion: 'v1', kind: 'Service' } } }),
    false,
  ],
  [
    'a dead-letter sink with neither ref nor uri',
    trigger({ broker: 'b', subscriber: sub, delivery: { deadLetterSink: {} } }),
    false,
  ],
  [
    'a duration in Go syntax',
    trigger({ broker: 'b', subscriber: sub, delivery: { backoffDelay: '5s' } }),
    false,
  ],
  [
    'a duration without an amount',
    trigger({ broker: 'b', subscriber: sub, delivery: { backoffDelay: 'PT' } }),
    false,
  ],
  ['a dangling T', trigger({ broker: 'b', subscriber: sub, delivery: { retryAfterMax: 'P1DT' } }), false],
  ['a zero timeout', trigger({ broker: 'b', subscriber: sub, delivery: { timeout: 'PT0S' } }), false],
  ['a negative retry', trigger({ broker: 'b', subscriber: sub, delivery: { retry: -1 } }), false],
  [
    'an unknown backoff policy',
    trigger({ broker: 'b', subscriber: sub, delivery: { backoffPolicy: 'random' } }),
    false,
  ],
  ['a broker name that is no DNS label', trigger({ broker: 'Not_A_Label', subscriber: sub }), false],
  [
    'a name that is a subdomain but no label',
    trigger({ broker: 'b', subscriber: sub }, { name: 'a.b' }),
    false,
  ],
  ['zero partitions', broker({ partitions: 0 }), false],
  ['a topic Kafka cannot have', broker({ topic: 'no spaces allowed' }), false],
  ['a Broker field it does not have', broker({ filters: [] }), false],
];

test('valid and invalid resources: the API server and core agree on each', async () => {
  for (const [what, document, valid] of CASES) {
    const server = await serverAccepts(document);
    const core = coreAccepts(document);
    assert.equal(core.accepted, valid, `${what}: core ${core.message || 'accepts'}`);
    assert.equal(server.accepted, valid, `${what}: API server ${server.message || 'accepts'}`);
  }
});
