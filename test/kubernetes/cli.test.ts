/**
 * `eventyard start --kubernetes` against a real API server (test/support/kube-apiserver.ts): the
 * Brokers and Triggers applied to the cluster route real events to real HTTP subscribers, follow
 * creates, updates and deletes, report their status, and survive an API server restart.
 */
import assert from 'node:assert/strict';
import { after, before, type TestContext, test } from 'node:test';
import { type EventyardProcess, startEventyard, tempDir } from '../support/eventyard.ts';
import {
  eventyardCrds,
  type KubeClient,
  type KubeCluster,
  resourcePath,
  startKubeCluster,
} from '../support/kube-apiserver.ts';
import { postEvent, type Subscriber, startSubscriber } from '../support/subscriber.ts';

const API = 'eventyard.dev/v1';

let cluster: KubeCluster;
let count = 0;

before(async () => {
  cluster = await startKubeCluster();
  await cluster.createCrds(await eventyardCrds());
});
after(() => cluster?.stop());

type Status = {
  observedGeneration?: number;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  address?: { url?: string };
  subscriberUri?: string;
};

function namespace(): string {
  count++;
  return `cli-${count}-${process.pid}`;
}

async function send(
  client: KubeClient,
  method: string,
  plural: string,
  ns: string,
  name: string | undefined,
  body?: object,
) {
  const path = resourcePath(API, plural, ns, name);
  const response = await client.request<{ message?: string }>(
    method,
    method === 'POST' ? `${path}?fieldValidation=Strict` : path,
    body,
    method === 'PATCH' ? { contentType: 'application/merge-patch+json' } : {},
  );
  assert.ok(
    response.status >= 200 && response.status < 300,
    `${method} ${path}: ${response.status} ${response.body?.message}`,
  );
}

const broker = (name: string) => ({ apiVersion: API, kind: 'Broker', metadata: { name }, spec: {} });
const trigger = (name: string, type: string, subscriber: Subscriber, extra: object = {}) => ({
  apiVersion: API,
  kind: 'Trigger',
  metadata: { name },
  spec: {
    broker: 'default',
    filter: { attributes: { type } },
    subscriber: { uri: subscriber.url },
    ...extra,
  },
});

async function start(t: TestContext, ns: string): Promise<EventyardProcess> {
  const dir = await tempDir(t);
  const process = await startEventyard(
    ['--kubernetes', '--kubeconfig', cluster.kubeconfig, '--namespace', ns, '--data-dir', `${dir}/data`],
    { timeoutMs: 30_000 },
  );
  t.after(() => process.stop());
  return process;
}

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

async function status(plural: string, ns: string, name: string): Promise<Status | undefined> {
  const response = await cluster.request<{ status?: Status }>('GET', resourcePath(API, plural, ns, name));
  return response.body?.status;
}

function ready(value: Status | undefined) {
  return value?.conditions?.find((c) => c.type === 'Ready');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let sequence = 0;

/**
 * Posts events of a type until one reaches `subscriber` (the Contract is applied asynchronously).
 * One partition key keeps every test event in one partition, read in order.
 */
async function deliverTo(url: string, subscriber: Subscriber, type: string): Promise<string> {
  return eventually(`an event of type ${type} delivered to ${subscriber.url}`, async () => {
    const id = `${type}-${sequence++}`;
    if ((await postEvent(url, { id, type, partitionkey: 'k' })) !== 202) return undefined;
    const deadline = Date.now() + 1000;
    while (Date.now() < deadline) {
      if (subscriber.ids().includes(id)) return id;
      await sleep(25);
    }
    return undefined;
  });
}

/**
 * Waits until events of `type` stop reaching `subscriber` (its trigger was deleted), each time
 * after `witness` got an event posted later; then proves it with three more that never arrive.
 */
async function stopsReaching(
  url: string,
  subscriber: Subscriber,
  type: string,
  witness: Subscriber,
  witnessType: string,
) {
  const send = async () => {
    const id = `${type}-${sequence++}`;
    assert.equal(await postEvent(url, { id, type, partitionkey: 'k' }), 202);
    return id;
  };
  await eventually(`events of type ${type} no longer delivered to ${subscriber.url}`, async () => {
    const id = await send();
    await deliverTo(url, witness, witnessType);
    await sleep(300);
    return subscriber.ids().includes(id) ? undefined : true;
  });
  const later = [await send(), await send(), await send()];
  await deliverTo(url, witness, witnessType);
  await sleep(1000);
  for (const id of later)
    assert.ok(!subscriber.ids().includes(id), `${id} was delivered after its trigger was deleted`);
}

test('Brokers and Triggers applied to the cluster route events; updates and deletes take effect; status says why', {}, async (t) => {
  const ns = namespace();
  const orders = await startSubscriber(t);
  const payments = await startSubscriber(t);
  await send(cluster, 'POST', 'brokers', ns, undefined, broker('default'));
  await send(cluster, 'POST', 'triggers', ns, undefined, trigger('orders', 'order.created', orders));
  await send(
    cluster,
    'POST',
    'triggers',
    ns,
    undefined,
    trigger('broken', 'x', payments, { filters: [{ cel: "event.type == 'unterminated" }] }),
  );
  const eventyard = await start(t, ns);
  const url = `${eventyard.url}/${ns}/default`;

  await deliverTo(url, orders, 'order.created');
  assert.equal(await postEvent(url, { id: 'p-1', type: 'payment.received' }), 202);

  const brokerStatus = await eventually('broker Ready', async () => {
    const value = await status('brokers', ns, 'default');
    return ready(value)?.status === 'True' ? value : undefined;
  });
  assert.match(brokerStatus.address?.url ?? '', new RegExp(`/${ns}/default$`));
  const broken = await eventually('FilterInvalid', async () => {
    const value = await status('triggers', ns, 'broken');
    return ready(value)?.status === 'False' ? value : undefined;
  });
  assert.equal(ready(broken)?.reason, 'FilterInvalid');

  // Fix the broken trigger: it now routes payments.
  await send(cluster, 'PATCH', 'triggers', ns, 'broken', {
    spec: { filters: [{ cel: "event.type == 'payment.received'" }] },
  });
  await deliverTo(url, payments, 'payment.received');
  await eventually('broken Ready', async () =>
    ready(await status('triggers', ns, 'broken'))?.status === 'True' ? true : undefined,
  );

  // Delete the orders trigger: order events stop reaching it.
  await send(cluster, 'DELETE', 'triggers', ns, 'orders');
  await stopsReaching(url, orders, 'order.created', payments, 'payment.received');

  // Delete the broker: the ingress no longer knows it.
  await send(cluster, 'DELETE', 'brokers', ns, 'default');
  await eventually('404 for a deleted broker', async () =>
    (await postEvent(url, { id: 'gone', type: 'order.created' })) === 404 ? true : undefined,
  );
});

test('the API server restarts; triggers created and deleted meanwhile take effect once it is back', {}, async (t) => {
  const ns = namespace();
  const early = await startSubscriber(t);
  const late = await startSubscriber(t);
  await send(cluster, 'POST', 'brokers', ns, undefined, broker('default'));
  await send(cluster, 'POST', 'triggers', ns, undefined, trigger('early', 'tick', early));
  const eventyard = await start(t, ns);
  const url = `${eventyard.url}/${ns}/default`;
  await deliverTo(url, early, 'tick');

  await cluster.restartApiServer(async (second) => {
    await send(second, 'DELETE', 'triggers', ns, 'early');
    await send(second, 'POST', 'triggers', ns, undefined, trigger('late', 'tick', late));
  });

  await deliverTo(url, late, 'tick');
  await stopsReaching(url, early, 'tick', late, 'tick');
  await eventually('late Ready', async () =>
    ready(await status('triggers', ns, 'late'))?.status === 'True' ? true : undefined,
  );
});
