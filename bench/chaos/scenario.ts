/**
 * The chaos scenario: real Kafka, several `eventyard start` replicas sharing one broker, a load
 * generator that records every 202, recording subscribers, and faults for the whole run — kill -9
 * of a replica (restarted at once under its instance id), Kafka stopped and started again, a
 * subscriber that flaps between 503 and 200, a hostile event (data nested 10,000 deep) among the
 * normal ones, and hostile Triggers (one reading that data with CEL, one with an expression too
 * costly to load). At the end it waits for the backlog to drain and counts: every acknowledged
 * event must reach the healthy and the flapping Trigger (lost = 0); at-least-once delivery after a
 * kill -9 shows as duplicates.
 *
 * Run by `npm run chaos` (bench/chaos/run.ts, minutes) and, short, by test/chaos/chaos.test.ts.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KafkaHandle, startKafka } from '../../test/kafka/kafka.ts';
import { type EventyardProcess, startEventyard } from '../../test/support/eventyard.ts';
import { type Subscriber, startSubscriber } from '../../test/support/subscriber.ts';
import { percentile } from '../support/report.ts';

export interface ChaosOptions {
  /** How long the load and the faults run. */
  durationMs: number;
  replicas: number;
  /** Concurrent producers (each posts, waits for the answer, posts again). */
  producers: number;
  /** A replica is killed with SIGKILL this often (round robin), and restarted at once. */
  killEveryMs: number;
  /** Kafka is stopped once, this long, in the middle of the run (0: never). */
  kafkaOutageMs: number;
  /** The flapping subscriber answers 503 for this long, then 200 for as long, and so on. */
  flapMs: number;
  /** How long to wait for the backlog to drain after the load stops. */
  drainTimeoutMs: number;
  /** Adds a Trigger whose CEL doubles a list fifteen times (refused at load by the cost model). Default true. */
  costlyTrigger?: boolean;
  progress?: (line: string) => void;
}

export interface ChaosResult {
  durationS: number;
  replicas: number;
  kills: number;
  kafkaOutages: number;
  acknowledged: number;
  /** Distinct acknowledged events the healthy Trigger received. */
  delivered: number;
  /** Acknowledged events the healthy or the flapping Trigger never received. */
  lost: number;
  lostFlapping: number;
  /** Deliveries to the healthy Trigger beyond one per event. */
  duplicates: number;
  /** Longest time without any 202, outside the Kafka outage. */
  longestIngressGapMs: number;
  /** Longest time from a replica's kill -9 to its first 202 after the restart. */
  longestRestartGapMs: number;
  /** Longest time without any 202 during the Kafka outage and its recovery. */
  kafkaOutageGapMs: number;
  healthyP50Ms: number;
  healthyP99Ms: number;
  hostileEvents: number;
  /** Hostile events the CEL Trigger reading their data received (0: it errs on them, counted). */
  hostileFilterDeliveries: number;
}

type Cleanup = () => Promise<void>;

const DEEP = 10_000;
const HOSTILE_BODY = `{"specversion":"1.0","id":"@ID@","source":"/chaos/hostile","type":"chaos.event","datacontenttype":"application/json","data":${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}}`;

/** Fifteen nested binds that each double a list: 2^15 copies of the data for every event. */
function doublingChain(levels: number): string {
  let expression = `size(v${levels}) > 0`;
  for (let i = levels; i >= 1; i--) {
    const value = i === 1 ? '[event.data, event.data]' : `v${i - 1} + v${i - 1}`;
    expression = `cel.bind(v${i}, ${value}, ${expression})`;
  }
  return expression;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function trigger(name: string, url: string, spec = ''): string {
  return `apiVersion: eventyard.dev/v1
kind: Trigger
metadata: { name: ${name}, namespace: chaos }
spec:
  broker: default
  subscriber: { uri: ${JSON.stringify(url)} }
${spec}`;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const progress = options.progress ?? (() => {});
  const cleanups: Cleanup[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'eventyard-chaos-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  try {
    return await scenario(options, dir, cleanups, progress);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}

async function scenario(
  options: ChaosOptions,
  dir: string,
  cleanups: Cleanup[],
  progress: (line: string) => void,
): Promise<ChaosResult> {
  const kafkaDir = join(dir, 'kafka');
  await mkdir(kafkaDir, { recursive: true });
  let kafka: KafkaHandle = await startKafka({ dir: kafkaDir, onProgress: () => {} });
  const kafkaPort = Number(kafka.brokers.split(':')[1]);
  cleanups.push(() => kafka.stop());
  progress(`kafka at ${kafka.brokers}`);

  const sentAt = new Map<string, number>();
  const subscribers: Subscriber[] = [];
  const newSubscriber = async () => {
    const subscriber = await startSubscriber();
    subscribers.push(subscriber);
    cleanups.push(() => subscriber.close());
    return subscriber;
  };
  const healthy = await newSubscriber();
  const flapping = await newSubscriber();
  const hostile = await newSubscriber();
  const costly = await newSubscriber();
  const flapStarted = performance.now();
  flapping.respond((_request, _count, response) => {
    const down = Math.floor((performance.now() - flapStarted) / options.flapMs) % 2 === 0;
    response.writeHead(down ? 503 : 200).end();
  });

  const config = join(dir, 'resources.yaml');
  await writeFile(
    config,
    [
      'apiVersion: eventyard.dev/v1\nkind: Broker\nmetadata: { name: default, namespace: chaos }\nspec: { partitions: 4 }\n',
      trigger('healthy', healthy.url),
      trigger(
        'flapping',
        flapping.url,
        '  delivery: { retry: 30, backoffPolicy: linear, backoffDelay: PT0.2S }\n',
      ),
      trigger(
        'hostile-data',
        hostile.url,
        '  filters: [ { cel: "has(event.data.a) && event.data.a != null" } ]\n',
      ),
      ...(options.costlyTrigger === false
        ? []
        : [trigger('costly', costly.url, `  filters: [ { cel: ${JSON.stringify(doublingChain(15))} } ]\n`)]),
    ].join('---\n'),
  );

  const replicaArgs = (i: number, port: number) => [
    '--config',
    config,
    '--port',
    String(port),
    '--instance-id',
    `chaos-${i}`,
  ];
  const env = { KAFKA_BROKERS: kafka.brokers };
  const ports: number[] = [];
  const replicas: EventyardProcess[] = [];
  for (let i = 0; i < options.replicas; i++) {
    ports.push(await freePort());
    replicas.push(await startReplica(replicaArgs(i, ports[i]!), env));
  }
  cleanups.push(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
  });
  progress(`${options.replicas} replicas listening`);
  const urls = ports.map((port) => `http://127.0.0.1:${port}/chaos/default`);

  // Producers: a load balancer's view, trying the next replica when one does not answer 202.
  const acknowledged: string[] = [];
  const ackTimes: number[] = [];
  let running = true;
  let sequence = 0;
  let hostileEvents = 0;
  const hostileIds = new Set<string>();
  const post = async (url: string, id: string, hostileEvent: boolean): Promise<number> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: hostileEvent
        ? { 'content-type': 'application/cloudevents+json' }
        : {
            'ce-specversion': '1.0',
            'ce-id': id,
            'ce-source': '/chaos',
            'ce-type': 'chaos.event',
            'content-type': 'application/json',
          },
      body: hostileEvent ? HOSTILE_BODY.replace('@ID@', id) : `{"a":${sequence}}`,
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel();
    return response.status;
  };
  const producer = async (p: number) => {
    for (let n = 0; running; n++) {
      const id = `e-${p}-${n}`;
      const hostileEvent = n % 200 === 199;
      sequence++;
      sentAt.set(id, performance.now());
      let accepted = false;
      for (let attempt = 0; attempt < urls.length && !accepted; attempt++) {
        const url = urls[(p + n + attempt) % urls.length]!;
        const status = await post(url, id, hostileEvent).catch(() => 0);
        accepted = status === 202;
      }
      if (accepted) {
        acknowledged.push(id);
        ackTimes.push(performance.now());
        if (hostileEvent) {
          hostileEvents++;
          hostileIds.add(id);
        }
      } else {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const started = performance.now();
  const producers = Array.from({ length: options.producers }, (_, p) => producer(p));

  // Faults.
  let kills = 0;
  let kafkaOutages = 0;
  let longestRestartGapMs = 0;
  let outageWindow: [number, number] | undefined;
  const deadline = started + options.durationMs;
  const sleepUntil = (at: number) =>
    new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
  const faults = (async () => {
    const outageAt = options.kafkaOutageMs > 0 ? started + options.durationMs / 2 : Number.POSITIVE_INFINITY;
    let nextKill = started + options.killEveryMs;
    while (performance.now() < deadline) {
      if (performance.now() >= outageAt && kafkaOutages === 0) {
        progress('stopping Kafka');
        const from = performance.now();
        await kafka.stop();
        await sleepUntil(from + options.kafkaOutageMs);
        kafka = await startKafka({ dir: kafkaDir, port: kafkaPort, onProgress: () => {} });
        kafkaOutages++;
        progress(`Kafka back after ${((performance.now() - from) / 1000).toFixed(1)} s`);
        outageWindow = [from, performance.now()];
        nextKill = Math.max(nextKill, performance.now() + options.killEveryMs / 2);
        continue;
      }
      if (performance.now() >= nextKill) {
        const i = kills % replicas.length;
        await replicas[i]!.kill();
        const killedAt = performance.now();
        kills++;
        replicas[i] = await startReplica(replicaArgs(i, ports[i]!), env);
        // That replica's own first 202 after the kill.
        for (;;) {
          const status = await post(urls[i]!, `restart-probe-${kills}`, false).catch(() => 0);
          if (status === 202) {
            acknowledged.push(`restart-probe-${kills}`);
            sentAt.set(`restart-probe-${kills}`, performance.now());
            ackTimes.push(performance.now());
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const gap = performance.now() - killedAt;
        longestRestartGapMs = Math.max(longestRestartGapMs, gap);
        progress(`killed replica ${i}: 202 again after ${gap.toFixed(0)} ms`);
        nextKill = performance.now() + options.killEveryMs;
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  await faults;
  running = false;
  await Promise.all(producers);
  const durationS = (performance.now() - started) / 1000;
  progress(`load stopped: ${acknowledged.length} acknowledged; draining`);

  const drainDeadline = performance.now() + options.drainTimeoutMs;
  const missing = (subscriber: Subscriber) => {
    const seen = new Set(subscriber.ids());
    return acknowledged.filter((id) => !seen.has(id));
  };
  while (performance.now() < drainDeadline) {
    if (missing(healthy).length === 0 && missing(flapping).length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  flapping.respond((_request, _count, response) => response.writeHead(200).end());
  const healthyIds = healthy.ids();
  const unique = new Set(healthyIds);
  const latencies: number[] = [];
  const firstSeen = new Set<string>();
  for (const request of healthy.received) {
    const id = String(request.headers['ce-id'] ?? '');
    if (firstSeen.has(id)) continue;
    firstSeen.add(id);
    const sent = sentAt.get(id);
    if (sent !== undefined) latencies.push(request.at - sent);
  }
  // Longest stretch without a 202, split into the Kafka outage and the rest.
  const sorted = [started, ...ackTimes.sort((a, b) => a - b), started + durationS * 1000];
  let longestIngressGapMs = 0;
  let kafkaOutageGapMs = 0;
  for (let i = 1; i < sorted.length; i++) {
    const [from, to] = [sorted[i - 1]!, sorted[i]!];
    const duringOutage = outageWindow !== undefined && to >= outageWindow[0] && from <= outageWindow[1];
    if (duringOutage) kafkaOutageGapMs = Math.max(kafkaOutageGapMs, to - from);
    else longestIngressGapMs = Math.max(longestIngressGapMs, to - from);
  }
  const acknowledgedSet = new Set(acknowledged);
  return {
    durationS,
    replicas: options.replicas,
    kills,
    kafkaOutages,
    acknowledged: acknowledged.length,
    delivered: [...unique].filter((id) => acknowledgedSet.has(id)).length,
    lost: missing(healthy).length,
    lostFlapping: missing(flapping).length,
    duplicates: healthyIds.length - unique.size,
    longestIngressGapMs,
    longestRestartGapMs,
    kafkaOutageGapMs,
    healthyP50Ms: latencies.length > 0 ? percentile(latencies, 50) : 0,
    healthyP99Ms: latencies.length > 0 ? percentile(latencies, 99) : 0,
    hostileEvents,
    hostileFilterDeliveries: hostile.ids().filter((id) => hostileIds.has(id)).length,
  };
}

async function startReplica(args: string[], env: NodeJS.ProcessEnv): Promise<EventyardProcess> {
  return startEventyard(args, { env, timeoutMs: 60_000 });
}

/** The result as Markdown lines, for the console and bench/RESULTS.md. */
export function chaosReport(result: ChaosResult): string {
  const ms = (value: number) => `${Math.round(value)} ms`;
  return [
    '| figure | value |',
    '| --- | ---: |',
    `| run | ${result.durationS.toFixed(0)} s, ${result.replicas} replicas, ${result.kills} kill -9, ${result.kafkaOutages} Kafka stop/start |`,
    `| acknowledged (202) | ${result.acknowledged} |`,
    `| delivered to the healthy Trigger | ${result.delivered} |`,
    `| lost (healthy / flapping Trigger) | ${result.lost} / ${result.lostFlapping} |`,
    `| duplicates (healthy Trigger, at-least-once after kill -9) | ${result.duplicates} |`,
    `| longest ingress gap outside the Kafka outage | ${ms(result.longestIngressGapMs)} |`,
    `| longest kill -9 → 202 of the restarted replica | ${ms(result.longestRestartGapMs)} |`,
    `| longest gap during the Kafka outage | ${ms(result.kafkaOutageGapMs)} |`,
    `| healthy Trigger p50 / p99 | ${ms(result.healthyP50Ms)} / ${ms(result.healthyP99Ms)} |`,
    `| hostile events (data nested ${DEEP} deep) acknowledged / matched by the CEL Trigger | ${result.hostileEvents} / ${result.hostileFilterDeliveries} |`,
  ].join('\n');
}
