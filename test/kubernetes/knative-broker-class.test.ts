/**
 * `eventyard start --kubernetes --knative-broker-class Eventyard` next to another Knative broker
 * implementation: Knative's eventing.knative.dev/v1 Brokers annotated with our class (and their
 * Triggers) are served and get a Knative-shaped status; Brokers of another class and their Triggers
 * are left alone (no status, no dispatch, 404 at the ingress).
 */
import assert from 'node:assert/strict';
import { after, before, type TestContext, test } from 'node:test';
import { type EventyardProcess, startEventyard, tempDir } from '../support/eventyard.ts';
import {
  eventyardCrds,
  type KubeCluster,
  knativeCrds,
  resourcePath,
  startKubeCluster,
} from '../support/kube-apiserver.ts';
import { postEvent, type Subscriber, startSubscriber } from '../support/subscriber.ts';

const KNATIVE = 'eventing.knative.dev/v1';
const CLASS = 'eventing.knative.dev/broker.class';

let cluster: KubeCluster;

before(async () => {
  cluster = await startKubeCluster();
  await cluster.createCrds([...(await eventyardCrds()), ...knativeCrds()]);
});
after(() => cluster?.stop());

type Condition = { type: string; status: string; reason?: string; message?: string };
type Status = {
  observedGeneration?: number;
  conditions?: Condition[];
  address?: { url?: string };
  subscriberUri?: string;
};

async function post(plural: string, ns: string, body: object): Promise<void> {
  const response = await cluster.request<{ message?: string }>(
    'POST',
    resourcePath(KNATIVE, plural, ns),
    body,
  );
  assert.equal(response.status, 201, JSON.stringify(response.body));
}

async function status(plural: string, ns: string, name: string): Promise<Status | undefined> {
  const response = await cluster.request<{ status?: Status }>('GET', resourcePath(KNATIVE, plural, ns, name));
  assert.equal(response.status, 200);
  return response.body?.status;
}

const condition = (value: Status | undefined, type: string) =>
  value?.conditions?.find((c) => c.type === type);

const broker = (name: string, brokerClass: string) => ({
  apiVersion: KNATIVE,
  kind: 'Broker',
  metadata: { name, annotations: { [CLASS]: brokerClass } },
  spec: {},
});
const trigger = (name: string, brokerName: string, type: string, subscriber: Subscriber) => ({
  apiVersion: KNATIVE,
  kind: 'Trigger',
  metadata: { name },
  spec: { broker: brokerName, filter: { attributes: { type } }, subscriber: { uri: subscriber.url } },
});

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function start(t: TestContext, ns: string, extra: string[]): Promise<EventyardProcess> {
  const dir = await tempDir(t);
  const process = await startEventyard(
    [
      '--kubernetes',
      '--kubeconfig',
      cluster.kubeconfig,
      '--namespace',
      ns,
      '--data-dir',
      `${dir}/data`,
      '--ingress-url',
      'http://ingress.test',
      ...extra,
    ],
    { timeoutMs: 30_000 },
  );
  t.after(() => process.stop());
  return process;
}

test('Brokers of our class are served with a Knative status; Brokers of another class and their Triggers are left alone', async (t) => {
  const ns = `kclass-${process.pid}`;
  const ours = await startSubscriber(t);
  const theirs = await startSubscriber(t);
  await post('brokers', ns, broker('mine', 'Eventyard'));
  await post('triggers', ns, trigger('mine-orders', 'mine', 'order.created', ours));
  await post('brokers', ns, broker('other', 'MTChannelBasedBroker'));
  await post('triggers', ns, trigger('other-orders', 'other', 'order.created', theirs));

  const eventyard = await start(t, ns, ['--knative-broker-class', 'Eventyard']);

  // Ours: events reach the Trigger's subscriber, and the status is Knative's shape.
  let sequence = 0;
  await eventually('an event delivered through the Eventyard-class Broker', async () => {
    const id = `ours-${sequence++}`;
    if ((await postEvent(`${eventyard.url}/${ns}/mine`, { id, type: 'order.created' })) !== 202)
      return undefined;
    await new Promise((resolve) => setTimeout(resolve, 300));
    return ours.ids().includes(id) ? true : undefined;
  });
  const brokerStatus = await eventually('the Broker Ready', async () => {
    const value = await status('brokers', ns, 'mine');
    return condition(value, 'Ready')?.status === 'True' ? value : undefined;
  });
  assert.equal(brokerStatus.address?.url, `http://ingress.test/${ns}/mine`);
  assert.equal(condition(brokerStatus, 'Addressable')?.status, 'True');
  assert.equal(brokerStatus.observedGeneration, 1);
  const triggerStatus = await eventually('the Trigger Ready', async () => {
    const value = await status('triggers', ns, 'mine-orders');
    return condition(value, 'Ready')?.status === 'True' ? value : undefined;
  });
  assert.equal(triggerStatus.subscriberUri, ours.url);
  assert.equal(condition(triggerStatus, 'BrokerReady')?.status, 'True');
  assert.equal(condition(triggerStatus, 'SubscriberResolved')?.status, 'True');
  assert.equal(triggerStatus.observedGeneration, 1);

  // Theirs: unknown to the ingress, nothing dispatched, no status written.
  assert.equal(
    await postEvent(`${eventyard.url}/${ns}/other`, { id: 'theirs-1', type: 'order.created' }),
    404,
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(theirs.ids(), []);
  assert.equal(await status('brokers', ns, 'other'), undefined, 'another class: no status written');
  assert.equal(await status('triggers', ns, 'other-orders'), undefined, 'its Trigger: no status written');

  // A Trigger is ours as long as its Broker is: moving the Broker to another class lets go of both.
  const moved = await cluster.request(
    'PATCH',
    resourcePath(KNATIVE, 'brokers', ns, 'mine'),
    { metadata: { annotations: { [CLASS]: 'Kafka' } } },
    { contentType: 'application/merge-patch+json' },
  );
  assert.equal(moved.status, 200);
  await eventually('404 for a Broker moved to another class', async () =>
    (await postEvent(`${eventyard.url}/${ns}/mine`, { id: 'moved', type: 'order.created' })) === 404
      ? true
      : undefined,
  );
});

test('without --knative-broker-class, Knative Brokers are not served (as before)', async (t) => {
  const ns = `knone-${process.pid}`;
  await post('brokers', ns, broker('mine', 'Eventyard'));
  const eventyard = await start(t, ns, []);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(await postEvent(`${eventyard.url}/${ns}/mine`, { id: 'x', type: 'order.created' }), 404);
  assert.equal(await status('brokers', ns, 'mine'), undefined);
});
