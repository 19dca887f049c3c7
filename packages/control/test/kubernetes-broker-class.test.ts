/**
 * `knativeBrokerClass`: Knative's eventing.knative.dev/v1 Brokers of that class and the Triggers
 * pointing at them are loaded and get a Knative-shaped status; every other Knative object is left
 * alone. Against a real API server (test/support/kube-apiserver.ts) with minimal Knative CRDs.
 */
import assert from 'node:assert/strict';
import { after, before, type TestContext, test } from 'node:test';
import {
  eventyardCrds,
  type KubeCluster,
  knativeCrds,
  resourcePath,
  startKubeCluster,
} from '../../../test/support/kube-apiserver.ts';
import { type ControlPlane, type KubernetesControlOptions, startKubernetesControl } from '../src/index.ts';
import { statusPatch } from '../src/kubernetes/status.ts';

const KNATIVE = 'eventing.knative.dev/v1';
const CLASS = 'eventing.knative.dev/broker.class';
const SUBSCRIBER = { uri: 'http://subscriber.test/events' };

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

let cluster: KubeCluster;
let count = 0;

before(async () => {
  cluster = await startKubeCluster();
  await cluster.createCrds([...(await eventyardCrds()), ...knativeCrds()]);
});
after(() => cluster?.stop());

function namespace(): string {
  count++;
  return `class-${count}-${process.pid}`;
}

async function start(t: TestContext, options: KubernetesControlOptions): Promise<ControlPlane> {
  const quiet = { info() {}, warn() {}, error() {} };
  const control = await startKubernetesControl({
    kubeconfig: cluster.kubeconfig,
    ingressUrl: 'http://ingress.test',
    debounceMs: 20,
    logger: quiet,
    ...options,
  });
  t.after(() => control.close());
  return control;
}

async function post(plural: string, ns: string, body: object): Promise<void> {
  const response = await cluster.request('POST', resourcePath(KNATIVE, plural, ns), body);
  assert.equal(response.status, 201, JSON.stringify(response.body));
}

async function status(plural: string, ns: string, name: string): Promise<Status | undefined> {
  const response = await cluster.request<{ status?: Status }>('GET', resourcePath(KNATIVE, plural, ns, name));
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.status;
}

const condition = (value: Status | undefined, type: string) =>
  value?.conditions?.find((c) => c.type === type);

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const broker = (name: string, annotations?: Record<string, string>) => ({
  apiVersion: KNATIVE,
  kind: 'Broker',
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec: {},
});
const trigger = (name: string, spec: object) => ({
  apiVersion: KNATIVE,
  kind: 'Trigger',
  metadata: { name },
  spec,
});

test('only Brokers of the class and their Triggers load; theirs get Knative conditions with reasons, the rest no status', async (t) => {
  const ns = namespace();
  await post('brokers', ns, broker('ours', { [CLASS]: 'Eventyard' }));
  await post('brokers', ns, broker('mt', { [CLASS]: 'MTChannelBasedBroker' }));
  await post('brokers', ns, broker('unclassed'));
  await post('triggers', ns, trigger('good', { broker: 'ours', subscriber: SUBSCRIBER }));
  await post(
    'triggers',
    ns,
    trigger('bad-filter', { broker: 'ours', filters: [{ cel: "event.type == 'x" }], subscriber: SUBSCRIBER }),
  );
  await post('triggers', ns, trigger('on-mt', { broker: 'mt', subscriber: SUBSCRIBER }));
  await post('triggers', ns, trigger('on-unclassed', { broker: 'unclassed', subscriber: SUBSCRIBER }));
  await post('triggers', ns, trigger('on-missing', { broker: 'missing', subscriber: SUBSCRIBER }));

  const control = await start(t, { namespaces: [ns], knativeBrokerClass: 'Eventyard' });
  const contract = control.current();
  assert.deepEqual([...contract.brokers.keys()], [`${ns}/ours`]);
  assert.deepEqual([...contract.triggers.keys()].sort(), [`${ns}/bad-filter`, `${ns}/good`]);

  const ours = await eventually('Broker Ready', async () => {
    const value = await status('brokers', ns, 'ours');
    return condition(value, 'Ready')?.status === 'True' ? value : undefined;
  });
  assert.equal(ours.address?.url, `http://ingress.test/${ns}/ours`);
  assert.equal(condition(ours, 'Addressable')?.status, 'True');
  assert.equal(ours.observedGeneration, 1);
  const good = await eventually('Trigger Ready', async () => {
    const value = await status('triggers', ns, 'good');
    return condition(value, 'Ready')?.status === 'True' ? value : undefined;
  });
  assert.equal(good.subscriberUri, SUBSCRIBER.uri);
  assert.equal(condition(good, 'BrokerReady')?.status, 'True');
  assert.equal(condition(good, 'SubscriberResolved')?.status, 'True');
  const bad = await eventually('FilterInvalid', async () => {
    const value = await status('triggers', ns, 'bad-filter');
    return condition(value, 'Ready')?.status === 'False' ? value : undefined;
  });
  assert.equal(condition(bad, 'Ready')?.reason, 'FilterInvalid');
  assert.equal(condition(bad, 'BrokerReady')?.status, 'True');

  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const [plural, name] of [
    ['brokers', 'mt'],
    ['brokers', 'unclassed'],
    ['triggers', 'on-mt'],
    ['triggers', 'on-unclassed'],
    ['triggers', 'on-missing'],
  ] as const) {
    assert.equal(await status(plural, ns, name), undefined, `${plural} ${name} is not ours`);
  }
});

test('without a class, knative keeps loading every Knative Broker and writes none of their status', async (t) => {
  const ns = namespace();
  await post('brokers', ns, broker('ours', { [CLASS]: 'Eventyard' }));
  await post('brokers', ns, broker('mt', { [CLASS]: 'MTChannelBasedBroker' }));
  const control = await start(t, { namespaces: [ns], knative: true });
  assert.deepEqual([...control.current().brokers.keys()].sort(), [`${ns}/mt`, `${ns}/ours`]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(await status('brokers', ns, 'ours'), undefined);
});

test('statusPatch writes the extra conditions, and keeps their transition times while they hold', () => {
  const at = new Date('2026-05-01T10:00:00Z');
  const desired = {
    ready: true,
    observedGeneration: 1,
    addressUrl: 'http://x/ns/b',
    conditions: [{ type: 'Addressable', status: 'True' as const }],
  };
  const first = statusPatch('Broker', desired, undefined, at);
  assert.deepEqual(first?.conditions, [
    { type: 'Addressable', status: 'True', lastTransitionTime: '2026-05-01T10:00:00Z' },
    { type: 'Ready', status: 'True', lastTransitionTime: '2026-05-01T10:00:00Z' },
  ]);
  assert.equal(statusPatch('Broker', desired, first, new Date('2026-05-02T10:00:00Z')), undefined);
  // Only the extra condition is missing: written again, Ready's time kept.
  assert.ok(first !== undefined);
  const partial = { ...first, conditions: [(first.conditions as Condition[])[1]] };
  const again = statusPatch('Broker', desired, partial, new Date('2026-05-02T10:00:00Z'));
  assert.deepEqual(again?.conditions, [
    { type: 'Addressable', status: 'True', lastTransitionTime: '2026-05-02T10:00:00Z' },
    { type: 'Ready', status: 'True', lastTransitionTime: '2026-05-01T10:00:00Z' },
  ]);
});
