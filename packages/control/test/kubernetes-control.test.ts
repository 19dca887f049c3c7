/**
 * The Kubernetes source against a real API server (k8s.io/apiextensions-apiserver on etcd, see
 * test/support/kube-apiserver.ts) with the CRDs of deploy/crds/: Contracts follow the resources,
 * status is written back, a restarted API server loses nothing, one replica writes status.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { type Contract, isEventyardError } from '@eventyard/core';
import {
  eventyardCrds,
  type KubeClient,
  type KubeCluster,
  knativeCrds,
  LEASE_CRD,
  resourcePath,
  startKubeCluster,
} from '../../../test/support/kube-apiserver.ts';
import { type ControlPlane, type KubernetesControlOptions, startKubernetesControl } from '../src/index.ts';

const API = 'eventyard.dev/v1';
const INGRESS = 'http://ingress.test';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}
interface Status {
  observedGeneration?: number;
  conditions?: Condition[];
  address?: { url?: string };
  subscriberUri?: string;
}
interface KubeObj {
  metadata: { name: string; namespace: string; generation?: number };
  spec?: unknown;
  status?: Status;
}

let cluster: KubeCluster;
let namespaceCount = 0;

before(async () => {
  cluster = await startKubeCluster();
  await cluster.createCrds(await eventyardCrds());
});
after(() => cluster?.stop());

/** A namespace of its own for each test: the API server has no Namespace objects to create. */
function namespace(): string {
  namespaceCount++;
  return `ns-${namespaceCount}-${process.pid}`;
}

function lines() {
  const logged: string[] = [];
  const logger = {
    info: (...args: unknown[]) => logged.push(`info ${args.map(String).join(' ')}`),
    warn: (...args: unknown[]) => logged.push(`warn ${args.map(String).join(' ')}`),
    error: (...args: unknown[]) => logged.push(`error ${args.map(String).join(' ')}`),
  };
  return { logged, logger };
}

async function start(
  t: TestContext,
  options: KubernetesControlOptions,
): Promise<{ control: ControlPlane; logged: string[] }> {
  const { logged, logger } = lines();
  const control = await startKubernetesControl({
    kubeconfig: cluster.kubeconfig,
    ingressUrl: INGRESS,
    debounceMs: 20,
    logger,
    ...options,
  });
  t.after(() => control.close());
  return { control, logged };
}

async function create(client: KubeClient, plural: string, ns: string, body: object): Promise<KubeObj> {
  const response = await client.request<KubeObj>(
    'POST',
    `${resourcePath(API, plural, ns)}?fieldValidation=Strict`,
    body,
  );
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

async function patch(
  client: KubeClient,
  plural: string,
  ns: string,
  name: string,
  body: object,
): Promise<KubeObj> {
  const response = await client.request<KubeObj>('PATCH', resourcePath(API, plural, ns, name), body, {
    contentType: 'application/merge-patch+json',
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

async function remove(client: KubeClient, plural: string, ns: string, name: string): Promise<void> {
  const response = await client.request('DELETE', resourcePath(API, plural, ns, name));
  assert.equal(response.status, 200, JSON.stringify(response.body));
}

async function get(plural: string, ns: string, name: string): Promise<KubeObj> {
  const response = await cluster.request<KubeObj>('GET', resourcePath(API, plural, ns, name));
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

function broker(name: string, spec: object = {}): object {
  return { apiVersion: API, kind: 'Broker', metadata: { name }, spec };
}

function trigger(name: string, spec: object, annotations?: Record<string, string>): object {
  return {
    apiVersion: API,
    kind: 'Trigger',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec,
  };
}

function ready(status: Status | undefined): Condition | undefined {
  return status?.conditions?.find((condition) => condition.type === 'Ready');
}

/** Polls until `check` returns a value (not undefined), then returns it. */
async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The status of an object once `accept` holds for it. */
function statusOf(
  plural: string,
  ns: string,
  name: string,
  accept: (status: Status, object: KubeObj) => boolean,
) {
  return eventually(`the status of ${plural} ${ns}/${name}`, async () => {
    const object = await get(plural, ns, name);
    return object.status !== undefined && accept(object.status, object) ? object.status : undefined;
  });
}

function contractHas(
  control: ControlPlane,
  check: (contract: Contract) => boolean,
  what: string,
): Promise<Contract> {
  return eventually(what, () => (check(control.current()) ? control.current() : undefined));
}

const SUBSCRIBER = { uri: 'http://subscriber.test/events' };

test('a broker and its triggers become a Contract, and their status says Ready with address and subscriber', async (t) => {
  const ns = namespace();
  await create(cluster, 'brokers', ns, broker('default', { delivery: { retry: 2, backoffDelay: 'PT0.1S' } }));
  await create(
    cluster,
    'triggers',
    ns,
    trigger('orders', {
      broker: 'default',
      filters: [{ exact: { type: 'order.created' } }, { cel: 'event.data.total > 1000' }],
      subscriber: SUBSCRIBER,
    }),
  );
  await create(
    cluster,
    'triggers',
    ns,
    trigger('by-ref', {
      broker: 'default',
      subscriber: { ref: { apiVersion: 'v1', kind: 'Service', name: 'risk' }, uri: '/events' },
    }),
  );
  const { control, logged } = await start(t, { namespaces: [ns] });

  const contract = control.current();
  assert.deepEqual([...contract.brokers.keys()], [`${ns}/default`]);
  assert.deepEqual([...contract.triggers.keys()].sort(), [`${ns}/by-ref`, `${ns}/orders`]);
  const orders = contract.triggers.get(`${ns}/orders`)!;
  assert.equal(orders.status.ready, true);
  assert.equal(orders.subscriberUri, 'http://subscriber.test/events');
  assert.equal(orders.delivery.retry, 2, 'the broker delivery applies to its triggers');
  assert.equal(
    contract.triggers.get(`${ns}/by-ref`)!.subscriberUri,
    `http://risk.${ns}.svc.cluster.local/events`,
  );
  assert.equal(contract.brokers.get(`${ns}/default`)!.origin.file, 'kubernetes');

  const brokerStatus = await statusOf('brokers', ns, 'default', (status) => ready(status)?.status === 'True');
  assert.equal(brokerStatus.address?.url, `${INGRESS}/${ns}/default`);
  assert.equal(brokerStatus.observedGeneration, 1);
  assert.match(ready(brokerStatus)?.lastTransitionTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const triggerStatus = await statusOf(
    'triggers',
    ns,
    'orders',
    (status) => ready(status)?.status === 'True',
  );
  assert.equal(triggerStatus.subscriberUri, 'http://subscriber.test/events');
  assert.equal(triggerStatus.observedGeneration, 1);
  const refStatus = await statusOf('triggers', ns, 'by-ref', (status) => ready(status)?.status === 'True');
  assert.equal(refStatus.subscriberUri, `http://risk.${ns}.svc.cluster.local/events`);
  // This API server has no Lease API: the replica says so and writes status alone.
  assert.ok(
    logged.some((line) => line.startsWith('warn') && line.includes('no coordination.k8s.io/v1 Leases')),
  );
});

test('creates, updates and deletes make new generations; status follows metadata.generation', async (t) => {
  const ns = namespace();
  await create(cluster, 'brokers', ns, broker('default'));
  const { control } = await start(t, { namespaces: [ns] });
  const first = control.current();
  const generations: number[] = [];
  control.subscribe((contract) => generations.push(contract.generation));

  await create(cluster, 'triggers', ns, trigger('t1', { broker: 'default', subscriber: SUBSCRIBER }));
  await contractHas(control, (c) => c.triggers.has(`${ns}/t1`), 'the new trigger');
  assert.ok(control.current().generation > first.generation);
  assert.equal(
    control.current().brokers.get(`${ns}/default`),
    first.brokers.get(`${ns}/default`),
    'unchanged entries are reused',
  );

  await patch(cluster, 'triggers', ns, 't1', { spec: { filter: { attributes: { type: 'changed' } } } });
  const updated = await contractHas(
    control,
    (c) => c.triggers.get(`${ns}/t1`)?.resource.spec.filter?.attributes?.type === 'changed',
    'the updated filter',
  );
  assert.equal(updated.triggers.get(`${ns}/t1`)!.status.observedGeneration, 2);
  await statusOf(
    'triggers',
    ns,
    't1',
    (status) => status.observedGeneration === 2 && ready(status)?.status === 'True',
  );

  // A status write is no change to the resources: no new generation for it.
  const settled = control.current().generation;
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(control.current().generation, settled);

  await remove(cluster, 'triggers', ns, 't1');
  await contractHas(control, (c) => !c.triggers.has(`${ns}/t1`), 'the trigger gone');
  assert.deepEqual(
    generations,
    [...generations].sort((a, b) => a - b),
    'generations only grow',
  );
});

test('an invalid CEL filter makes only that trigger not Ready (FilterInvalid, with the compile message); fixing it makes it Ready', async (t) => {
  const ns = namespace();
  await create(cluster, 'brokers', ns, broker('default'));
  await create(cluster, 'triggers', ns, trigger('good', { broker: 'default', subscriber: SUBSCRIBER }));
  await create(
    cluster,
    'triggers',
    ns,
    trigger('bad-cel', { broker: 'default', filters: [{ cel: 'event.type ==' }], subscriber: SUBSCRIBER }),
  );
  const { control } = await start(t, { namespaces: [ns] });

  const bad = control.current().triggers.get(`${ns}/bad-cel`)!;
  assert.equal(bad.status.ready, false);
  assert.equal(bad.status.reason, 'FilterInvalid');
  assert.equal(control.current().triggers.get(`${ns}/good`)!.status.ready, true);
  const problem = control.problems().find((p) => p.name === 'bad-cel');
  assert.equal(problem?.path, '/spec/filters/0/cel');

  const status = await statusOf('triggers', ns, 'bad-cel', (s) => ready(s)?.status === 'False');
  assert.equal(ready(status)?.reason, 'FilterInvalid');
  assert.equal(ready(status)?.message, bad.status.message);
  assert.match(ready(status)?.message ?? '', /cel|CEL|expression/);
  await statusOf('triggers', ns, 'good', (s) => ready(s)?.status === 'True');

  await patch(cluster, 'triggers', ns, 'bad-cel', { spec: { filters: [{ cel: "event.type == 'x'" }] } });
  const fixed = await statusOf('triggers', ns, 'bad-cel', (s) => ready(s)?.status === 'True');
  assert.equal(ready(fixed)?.reason, undefined);
  assert.equal(fixed.observedGeneration, 2);
});

test('a trigger without its broker is BrokerNotFound until the broker exists; a ref it cannot resolve is SubscriberInvalid', async (t) => {
  const ns = namespace();
  await create(cluster, 'triggers', ns, trigger('early', { broker: 'later', subscriber: SUBSCRIBER }));
  await create(
    cluster,
    'triggers',
    ns,
    trigger('odd-ref', {
      broker: 'later',
      subscriber: { ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' } },
    }),
  );
  const { control } = await start(t, { namespaces: [ns] });
  const early = await statusOf('triggers', ns, 'early', (s) => ready(s)?.status === 'False');
  assert.equal(ready(early)?.reason, 'BrokerNotFound');
  assert.match(ready(early)?.message ?? '', /broker "later" does not exist/);

  await create(cluster, 'brokers', ns, broker('later'));
  await statusOf('triggers', ns, 'early', (s) => ready(s)?.status === 'True');
  const odd = await statusOf('triggers', ns, 'odd-ref', (s) => ready(s)?.reason === 'SubscriberInvalid');
  assert.equal(odd.subscriberUri, undefined);
  assert.equal(control.current().triggers.get(`${ns}/odd-ref`)?.status.reason, 'SubscriberInvalid');
});

test('brokers whose topics clash: the second is not Ready (Conflict) and stays out of the Contract', async (t) => {
  const ns = namespace();
  await create(cluster, 'brokers', ns, broker('a', { topic: 'shared-topic' }));
  await create(cluster, 'brokers', ns, broker('b', { topic: 'shared-topic' }));
  const { control } = await start(t, { namespaces: [ns] });
  assert.deepEqual([...control.current().brokers.keys()], [`${ns}/a`]);
  const b = await statusOf('brokers', ns, 'b', (s) => ready(s)?.status === 'False');
  assert.equal(ready(b)?.reason, 'Conflict');
  assert.match(ready(b)?.message ?? '', /shared-topic/);
  assert.equal(b.address, undefined);
});

test('only the given namespaces are watched; without namespaces, every one is', async (t) => {
  const mine = namespace();
  const other = namespace();
  await create(cluster, 'brokers', mine, broker('default'));
  await create(cluster, 'brokers', other, broker('default'));
  const { control: scoped } = await start(t, { namespaces: [mine], writeStatus: false });
  assert.deepEqual([...scoped.current().brokers.keys()], [`${mine}/default`]);
  const { control: everywhere } = await start(t, { writeStatus: false });
  assert.ok(everywhere.current().brokers.has(`${mine}/default`));
  assert.ok(everywhere.current().brokers.has(`${other}/default`));
});

test('status pages like kubectl get: Ready, Reason, URL / Broker, Subscriber_URI and Age columns (server-side printing)', async (t) => {
  const ns = namespace();
  await create(cluster, 'brokers', ns, broker('default'));
  await create(cluster, 'triggers', ns, trigger('ok', { broker: 'default', subscriber: SUBSCRIBER }));
  await create(
    cluster,
    'triggers',
    ns,
    trigger('broken', { broker: 'default', filters: [{ cel: '1 +' }], subscriber: SUBSCRIBER }),
  );
  await start(t, { namespaces: [ns] });
  await statusOf('triggers', ns, 'broken', (s) => ready(s)?.status === 'False');
  await statusOf('triggers', ns, 'ok', (s) => ready(s)?.status === 'True');
  await statusOf('brokers', ns, 'default', (s) => ready(s)?.status === 'True');

  type Table = {
    columnDefinitions: Array<{ name: string; priority?: number }>;
    rows: Array<{ cells: unknown[] }>;
  };
  const table = async (plural: string) => {
    const response = await cluster.request<Table>('GET', resourcePath(API, plural, ns), undefined, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    assert.equal(response.status, 200);
    const columns = response.body.columnDefinitions.filter((c) => !c.priority).map((c) => c.name);
    const rows = response.body.rows.map((row) =>
      Object.fromEntries(columns.map((name, i) => [name, row.cells[i]])),
    );
    return { columns, rows };
  };
  const triggers = await table('triggers');
  assert.deepEqual(triggers.columns, ['Name', 'Broker', 'Subscriber_URI', 'Age', 'Ready', 'Reason']);
  const byName = Object.fromEntries(triggers.rows.map((row) => [row.Name, row]));
  assert.equal(byName.ok?.Ready, 'True');
  assert.equal(byName.ok?.Subscriber_URI, 'http://subscriber.test/events');
  assert.equal(byName.ok?.Broker, 'default');
  assert.equal(byName.broken?.Ready, 'False');
  assert.equal(byName.broken?.Reason, 'FilterInvalid');
  const brokers = await table('brokers');
  assert.deepEqual(brokers.columns, ['Name', 'URL', 'Age', 'Ready', 'Reason']);
  assert.equal(brokers.rows[0]?.URL, `${INGRESS}/${ns}/default`);
  assert.equal(brokers.rows[0]?.Ready, 'True');
});

test('a restarted API server breaks every watch; changes made meanwhile (through another API server) all arrive', async (t) => {
  const ns = namespace();
  await create(cluster, 'brokers', ns, broker('default'));
  await create(cluster, 'triggers', ns, trigger('stays', { broker: 'default', subscriber: SUBSCRIBER }));
  await create(cluster, 'triggers', ns, trigger('goes', { broker: 'default', subscriber: SUBSCRIBER }));
  await create(cluster, 'triggers', ns, trigger('changes', { broker: 'default', subscriber: SUBSCRIBER }));
  const { control, logged } = await start(t, { namespaces: [ns] });
  await statusOf('triggers', ns, 'stays', (s) => ready(s)?.status === 'True');

  await cluster.restartApiServer(async (second) => {
    await create(second, 'triggers', ns, trigger('arrives', { broker: 'default', subscriber: SUBSCRIBER }));
    await remove(second, 'triggers', ns, 'goes');
    await patch(second, 'triggers', ns, 'changes', { spec: { filters: [{ cel: 'not valid (' }] } });
  });

  const contract = await contractHas(
    control,
    (c) =>
      c.triggers.has(`${ns}/arrives`) &&
      !c.triggers.has(`${ns}/goes`) &&
      c.triggers.get(`${ns}/changes`)?.status.ready === false,
    'every change made while the watch was down',
  );
  assert.ok(contract.triggers.has(`${ns}/stays`));
  await statusOf('triggers', ns, 'arrives', (s) => ready(s)?.status === 'True');
  const changed = await statusOf('triggers', ns, 'changes', (s) => ready(s)?.reason === 'FilterInvalid');
  assert.equal(changed.observedGeneration, 2);
  assert.ok(
    logged.some((line) => line.startsWith('warn') && line.includes('failed')),
    'the broken watch was noticed',
  );
  assert.ok(
    logged.some((line) => line.includes('watching') && line.includes('again')),
    'and its recovery',
  );
});

test('with Leases served, one replica writes status; when it stops, another takes over', async (t) => {
  const ns = namespace();
  // This API server has no built-in Lease API: serve coordination.k8s.io/v1 Leases from a CRD.
  const leases = await cluster.request('GET', '/apis/coordination.k8s.io/v1');
  if (leases.status === 404) await cluster.createCrds([LEASE_CRD]);
  await create(cluster, 'brokers', ns, broker('default'));
  const lease = { namespace: ns, durationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 200 };

  const a = await startKubernetesControl({
    kubeconfig: cluster.kubeconfig,
    namespaces: [ns],
    ingressUrl: 'http://replica-a',
    identity: 'replica-a',
    lease,
    debounceMs: 20,
    logger: lines().logger,
  });
  let aClosed = false;
  t.after(() => (aClosed ? undefined : a.close()));
  await statusOf('brokers', ns, 'default', (s) => s.address?.url === `http://replica-a/${ns}/default`);
  type Lease = { spec?: { holderIdentity?: string; leaseTransitions?: number } };
  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/eventyard-control`;
  assert.equal((await cluster.request<Lease>('GET', leasePath)).body.spec?.holderIdentity, 'replica-a');

  const b = await startKubernetesControl({
    kubeconfig: cluster.kubeconfig,
    namespaces: [ns],
    ingressUrl: 'http://replica-b',
    identity: 'replica-b',
    lease,
    debounceMs: 20,
    logger: lines().logger,
  });
  t.after(() => b.close());
  // Both serve the same Contract; only the leader writes: B's address never shows up.
  assert.ok(b.current().brokers.has(`${ns}/default`));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal((await get('brokers', ns, 'default')).status?.address?.url, `http://replica-a/${ns}/default`);
  assert.equal((await cluster.request<Lease>('GET', leasePath)).body.spec?.holderIdentity, 'replica-a');

  // A leaving leader gives the Lease up; B takes it and writes its view.
  await a.close();
  aClosed = true;
  await statusOf('brokers', ns, 'default', (s) => s.address?.url === `http://replica-b/${ns}/default`);
  const taken = (await cluster.request<Lease>('GET', leasePath)).body.spec;
  assert.equal(taken?.holderIdentity, 'replica-b');
  assert.equal(taken?.leaseTransitions, 1);
});

test('start-up fails with EY_KUBERNETES_UNAVAILABLE when the CRDs are not installed, saying so', async (t) => {
  const bare = await startKubeCluster();
  t.after(() => bare.stop());
  await assert.rejects(
    startKubernetesControl({ kubeconfig: bare.kubeconfig, startTimeoutMs: 500, logger: lines().logger }),
    (error: unknown) => {
      assert.ok(isEventyardError(error, 'EY_KUBERNETES_UNAVAILABLE'), String(error));
      assert.match(error.message, /does not serve eventyard\.dev\/v1 brokers: install the CRDs/);
      return true;
    },
  );
});

test('start-up fails with EY_KUBERNETES_UNAVAILABLE when the API server cannot be reached', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'eventyard-kubeconfig-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const kubeconfig = join(dir, 'kubeconfig');
  const text = await readFile(cluster.kubeconfig, 'utf8');
  await writeFile(kubeconfig, text.replace(cluster.server, 'https://127.0.0.1:1'));
  await assert.rejects(
    startKubernetesControl({ kubeconfig, namespaces: ['x'], startTimeoutMs: 500, logger: lines().logger }),
    (error: unknown) => {
      assert.ok(isEventyardError(error, 'EY_KUBERNETES_UNAVAILABLE'), String(error));
      assert.match(
        error.message,
        /cannot list eventyard\.dev\/v1 brokers in namespace x at https:\/\/127\.0\.0\.1:1/,
      );
      return true;
    },
  );
});

test('a kubeconfig that cannot be read is a configuration error', async () => {
  await assert.rejects(
    startKubernetesControl({ kubeconfig: '/nonexistent/kubeconfig' }),
    (error: unknown) => {
      assert.ok(isEventyardError(error, 'EY_INVALID_CONFIG'), String(error));
      assert.match(error.message, /\/nonexistent\/kubeconfig/);
      return true;
    },
  );
});

test("with knative, Knative's own Brokers and Triggers load too, and their status is left to Knative", async (t) => {
  const ns = namespace();
  const served = await cluster.request('GET', '/apis/eventing.knative.dev/v1');
  if (served.status === 404) await cluster.createCrds(knativeCrds());
  const knative = 'eventing.knative.dev/v1';
  const post = async (plural: string, body: object) => {
    const response = await cluster.request('POST', resourcePath(knative, plural, ns), body);
    assert.equal(response.status, 201, JSON.stringify(response.body));
  };
  await post('brokers', { apiVersion: knative, kind: 'Broker', metadata: { name: 'default' } });
  await post('triggers', {
    apiVersion: knative,
    kind: 'Trigger',
    metadata: { name: 'kn' },
    spec: { broker: 'default', filter: { attributes: { type: 'a' } }, subscriber: SUBSCRIBER },
  });
  // The same name in both groups: ours wins.
  await post('triggers', {
    apiVersion: knative,
    kind: 'Trigger',
    metadata: { name: 'both' },
    spec: { broker: 'default', subscriber: { uri: 'http://knative.test/' } },
  });
  await create(
    cluster,
    'triggers',
    ns,
    trigger('both', { broker: 'default', subscriber: { uri: 'http://ours.test/' } }),
  );

  const { control } = await start(t, { namespaces: [ns], knative: true });
  const contract = control.current();
  assert.equal(contract.brokers.get(`${ns}/default`)?.resource.apiVersion, knative);
  assert.equal(contract.triggers.get(`${ns}/kn`)?.status.ready, true);
  assert.equal(contract.triggers.get(`${ns}/both`)?.subscriberUri, 'http://ours.test/');
  assert.ok(control.problems().some((p) => p.name === 'both' && /already defined/.test(p.message)));
  await statusOf('triggers', ns, 'both', (s) => ready(s)?.status === 'True');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const kn = await cluster.request<KubeObj>('GET', resourcePath(knative, 'triggers', ns, 'kn'));
  assert.equal(kn.body.status, undefined, 'Knative status is not ours to write');

  const { control: without } = await start(t, { namespaces: [ns], writeStatus: false });
  assert.equal(without.current().triggers.has(`${ns}/kn`), false, 'off by default');
});
