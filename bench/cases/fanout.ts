/**
 * Benchmark 4: fan-out. Events/s delivered with 1,000 triggers of which 10 match each event,
 * against 10 triggers that all match (the same 10 deliveries per event), back to back. The 990
 * others: nine in ten filter on another type (skipped by the trigger index), one in ten is a CEL
 * expression on the subject, evaluated for every event.
 */
import { type BenchContext, size } from '../support/context.ts';
import { batchBody, EVENT_TYPE } from '../support/events.ts';
import { type Eventyard, startEventyard, triggerYaml } from '../support/eventyard.ts';
import { deleteTopics, topicsStartingWith, uniqueName } from '../support/kafka.ts';
import { count, fixed, median, type Row } from '../support/report.ts';
import { type BenchSubscriber, benchSubscriber } from '../support/subscriber.ts';
import { deliveredPerSecond } from './delivery.ts';

const MATCHING = 10;

export function fanOutTriggers(total: number, matching: number, subscriber: string): string[] {
  const docs: string[] = [];
  for (let i = 0; i < total; i++) {
    const filter =
      i < matching
        ? `filters: [{ exact: { type: ${EVENT_TYPE} } }]`
        : i % 10 === 0
          ? `filters: [{ cel: "event.subject == 'nobody-${i}'" }]`
          : `filters: [{ exact: { type: com.example.other-${i} } }]`;
    docs.push(triggerYaml(`t-${i}`, filter, `${subscriber}/t-${i}`));
  }
  return docs;
}

export async function fanOutBenchmark(context: BenchContext): Promise<Row[]> {
  const client = context.clients[0] ?? 'kafkajs';
  const brokers = context.kafka.brokers;
  const total = size(context, 10_000, 500);
  const body = batchBody(100, 'fan');
  const prefix = uniqueName('eybench-fanout');
  const subjects: Array<{ server: Eventyard; subscriber: BenchSubscriber }> = [];
  try {
    for (const triggers of [MATCHING, 1000]) {
      context.progress(`fan-out: starting eventyard with ${triggers} triggers (${client})`);
      const subscriber = await benchSubscriber();
      subjects.push({
        subscriber,
        server: await startEventyard({
          log: { kind: 'kafka', brokers, client },
          topicPrefix: `${prefix}-${triggers}`,
          nodeFlags: context.nodeFlags,
          resources: fanOutTriggers(triggers, MATCHING, subscriber.url),
        }),
      });
    }
    const [ten, thousand] = subjects as [(typeof subjects)[0], (typeof subjects)[0]];
    for (const s of subjects)
      await deliveredPerSecond(s.server, s.subscriber, size(context, 1_000, 100), MATCHING, body);
    const base: number[] = [];
    const subject: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < context.rounds; round++) {
      context.progress(`fan-out: round ${round + 1}/${context.rounds}, 10 triggers`);
      const b = await deliveredPerSecond(ten.server, ten.subscriber, total, MATCHING, body);
      context.progress(`fan-out: round ${round + 1}, 1,000 triggers`);
      const s = await deliveredPerSecond(thousand.server, thousand.subscriber, total, MATCHING, body);
      base.push(b);
      subject.push(s);
      ratios.push(s / b);
    }
    const ratio = median(ratios);
    return [
      {
        id: '4',
        name: `fan-out, 1,000 triggers of which 10 match (${client})`,
        measured: `${count(median(subject))} events/s (${count(median(subject) * MATCHING)} deliveries/s)`,
        baseline: `${count(median(base))} events/s with 10 triggers`,
        ratio: fixed(ratio),
        target: '≥ 0.80',
        pass: ratio >= 0.8,
      },
    ];
  } finally {
    for (const s of subjects) {
      await s.server.stop();
      await s.subscriber.close();
    }
    await deleteTopics(brokers, await topicsStartingWith(brokers, prefix));
  }
}
