/**
 * Benchmarks 3 and 5 (and 8 for each Kafka client): end-to-end delivery.
 *  3. delivered events/s with one trigger and one keep-alive subscriber: events posted in batches
 *     of 100 (4 requests in flight), timed until the subscriber has every one — against a kafkajs
 *     producer and consumer moving the same records with no HTTP;
 *  5. ingress→subscriber latency of single binary POSTs at a steady 2,000 events/s (p50 ≤ 5 ms,
 *     p99 ≤ 20 ms) — the kafkajs produce→consume latency at the same rate is shown beside it.
 */
import { type BenchContext, size } from '../support/context.ts';
import { batchBody, EVENT_TYPE } from '../support/events.ts';
import { type Eventyard, startEventyard, triggerYaml } from '../support/eventyard.ts';
import { deleteTopics, topicsStartingWith, uniqueName } from '../support/kafka.ts';
import { kafkajsLatency, kafkajsThroughput } from '../support/kafkajs-pipe.ts';
import { postBatches, steadyPosts } from '../support/load.ts';
import { count, fixed, median, percentile, type Row } from '../support/report.ts';
import { type BenchSubscriber, benchSubscriber } from '../support/subscriber.ts';

const PARTITIONS = 10;
const BATCH = 100;
const CONCURRENCY = 4;
const RATE = 2000;

/** Posts `total` events and resolves with events/s once the subscriber has them all. */
export async function deliveredPerSecond(
  server: Eventyard,
  subscriber: BenchSubscriber,
  total: number,
  perEvent: number,
  body: string,
): Promise<number> {
  const target = subscriber.count() + total * perEvent;
  const started = performance.now();
  await postBatches(server.ingress, total, BATCH, CONCURRENCY, body);
  await subscriber.waitFor(target, 120_000 + total);
  return total / ((performance.now() - started) / 1000);
}

export async function deliveryBenchmarks(context: BenchContext): Promise<Row[]> {
  const total = size(context, 50_000, 3_000, 1_000);
  const latencySeconds = size(context, 20, 2, 1);
  const brokers = context.kafka.brokers;
  const body = batchBody(BATCH, 'tput');
  const rows: Row[] = [];
  for (const client of context.clients) {
    const prefix = uniqueName('eybench-delivery');
    const subscriber = await benchSubscriber();
    let server: Eventyard | undefined;
    try {
      context.progress(`delivery: starting eventyard (${client})`);
      server = await startEventyard({
        log: { kind: 'kafka', brokers, client },
        topicPrefix: prefix,
        nodeFlags: context.nodeFlags,
        resources: [
          triggerYaml('t-0', `filters: [{ exact: { type: ${EVENT_TYPE} } }]`, `${subscriber.url}/t-0`),
        ],
      });
      await deliveredPerSecond(server, subscriber, size(context, 5_000, 500), 1, body); // warm-up
      const base: number[] = [];
      const subject: number[] = [];
      const ratios: number[] = [];
      for (let round = 0; round < context.rounds; round++) {
        context.progress(`delivery: round ${round + 1}/${context.rounds}, kafkajs producer+consumer`);
        const b = await kafkajsThroughput(brokers, PARTITIONS, total, BATCH, CONCURRENCY);
        context.progress(`delivery: round ${round + 1}, eventyard (${client})`);
        const s = await deliveredPerSecond(server, subscriber, total, 1, body);
        base.push(b);
        subject.push(s);
        ratios.push(s / b);
      }
      const ratio = median(ratios);
      rows.push({
        id: '3',
        name: `end-to-end, 1 trigger, 1 keep-alive subscriber (${client})`,
        measured: `${count(median(subject))} events/s`,
        baseline: `${count(median(base))} records/s kafkajs producer+consumer`,
        ratio: fixed(ratio),
        target: '≥ 0.50',
        pass: ratio >= 0.5,
      });

      context.progress(`latency: kafkajs produce→consume at ${RATE}/s`);
      const baseLatency = await kafkajsLatency(brokers, PARTITIONS, RATE, latencySeconds);
      context.progress(`latency: eventyard (${client}) at ${RATE}/s for ${latencySeconds} s`);
      subscriber.arrivals.clear();
      const sentAt = new Map<string, number>();
      const subscriberRecords = await benchSubscriberLatency(server, subscriber, latencySeconds, sentAt);
      const p50 = percentile(subscriberRecords, 50);
      const p99 = percentile(subscriberRecords, 99);
      rows.push({
        id: '5',
        name: `latency ingress→subscriber at ${count(RATE)} events/s (${client})`,
        measured: `p50 ${fixed(p50, 1)} ms, p99 ${fixed(p99, 1)} ms`,
        baseline: `p50 ${fixed(baseLatency.p50, 1)} ms, p99 ${fixed(baseLatency.p99, 1)} ms kafkajs produce→consume`,
        ratio: `${fixed(p50, 1)} / ${fixed(p99, 1)} ms`,
        target: 'p50 ≤ 5, p99 ≤ 20 ms',
        pass: p50 <= 5 && p99 <= 20,
      });
    } finally {
      await server?.stop();
      await subscriber.close();
      await deleteTopics(brokers, await topicsStartingWith(brokers, prefix));
    }
  }
  return rows;
}

async function benchSubscriberLatency(
  server: Eventyard,
  subscriber: BenchSubscriber,
  seconds: number,
  sentAt: Map<string, number>,
): Promise<number[]> {
  subscriber.recording = true;
  const target = subscriber.count() + Math.round(RATE * seconds);
  try {
    const { failed } = await steadyPosts(server.ingress, RATE, seconds, 'lat', (id, at) =>
      sentAt.set(id, at),
    );
    if (failed > 0) throw new Error(`${failed} latency POSTs were not answered 202`);
    await subscriber.waitFor(target, 60_000);
  } finally {
    subscriber.recording = false;
  }
  const latencies: number[] = [];
  for (const [id, at] of sentAt) {
    const arrived = subscriber.arrivals.get(id);
    if (arrived !== undefined) latencies.push(arrived - at);
  }
  return latencies;
}
