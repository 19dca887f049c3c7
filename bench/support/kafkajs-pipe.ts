/**
 * The no-HTTP baselines of benchmarks 3 and 5: a kafkajs producer (acks=all) and a kafkajs group
 * consumer moving the same 1 KiB records, with the same binary-mode CloudEvent headers, through a
 * topic with as many partitions as a broker's.
 */
import { Kafka, logLevel, type Message } from 'kafkajs';
import { DATA_BYTES, EVENT_TYPE } from './events.ts';
import { createTopic, deleteTopics, uniqueName } from './kafka.ts';
import { percentile } from './report.ts';

function records(from: number, count: number, prefix: string): Message[] {
  const out = new Array<Message>(count);
  for (let i = 0; i < count; i++) {
    out[i] = {
      value: DATA_BYTES,
      headers: {
        ce_specversion: '1.0',
        ce_id: `${prefix}-${from + i}`,
        ce_source: '/bench',
        ce_type: EVENT_TYPE,
        ce_subject: 's',
        'content-type': 'application/json',
      },
    };
  }
  return out;
}

async function withPipe<T>(
  brokers: string,
  partitions: number,
  idempotent: boolean,
  onMessage: (id: string, at: number) => void,
  work: (send: (messages: Message[]) => Promise<void>) => Promise<T>,
): Promise<T> {
  const kafka = new Kafka({
    clientId: 'eventyard-bench',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const topic = uniqueName('eybench-pipe');
  await createTopic(brokers, topic, partitions);
  // Idempotent with one request in flight, as the log's producer; the latency baseline lets
  // requests overlap instead, so a tick's send never waits for the previous one.
  const producer = kafka.producer(idempotent ? { idempotent: true, maxInFlightRequests: 1 } : {});
  const consumer = kafka.consumer({ groupId: topic, maxWaitTimeInMs: 100 });
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const at = performance.now();
        for (const m of batch.messages) onMessage(String(m.headers?.ce_id), at);
      },
    });
    await joined;
    return await work(async (messages) => {
      await producer.send({ topic, acks: -1, messages });
    });
  } finally {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await deleteTopics(brokers, [topic]);
  }
}

/** Records per second from the first send until the consumer has read all `total`. */
export async function kafkajsThroughput(
  brokers: string,
  partitions: number,
  total: number,
  batch: number,
  concurrency: number,
): Promise<number> {
  let read = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  return withPipe(
    brokers,
    partitions,
    true,
    () => {
      if (++read === total) done();
    },
    async (send) => {
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < total) {
            const from = next;
            next += batch;
            await send(records(from, Math.min(batch, total - from), 'tput'));
          }
        }),
      );
      await all;
      return total / ((performance.now() - started) / 1000);
    },
  );
}

/** Produce→consume latency of single sends at a steady `rate` for `seconds`: p50 and p99 in ms. */
export async function kafkajsLatency(
  brokers: string,
  partitions: number,
  rate: number,
  seconds: number,
): Promise<{ p50: number; p99: number }> {
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  const total = Math.round(rate * seconds);
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  return withPipe(
    brokers,
    partitions,
    false,
    (id, at) => {
      const from = sent.get(id);
      if (from !== undefined) latencies.push(at - from);
      if (latencies.length === total) done();
    },
    async (send) => {
      const start = performance.now();
      const pending: Promise<void>[] = [];
      let i = 0;
      while (i < total) {
        const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
        // What a producer with a linger does: the messages due in this tick go out as one request.
        if (due > i) {
          const now = performance.now();
          for (let j = i; j < due; j++) sent.set(`lat-${j}`, now);
          pending.push(send(records(i, due - i, 'lat')));
          i = due;
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      await Promise.all(pending);
      await all;
      return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
    },
  );
}
