/**
 * End-to-end delivery on the embedded log: delivered events per second and ingress→subscriber
 * latency, with one trigger and with 1,000 triggers of which 10 match each event. The baseline,
 * measured in the same run, is the embedded log itself moving the same records (append + consume,
 * no HTTP), so the ratio is what ingress, matching and delivery cost on top of the log.
 * Usage: node bench/dispatch.ts [--quick]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openEmbeddedLog } from '@eventyard/log';
import { startServer } from './support/processes.ts';
import { benchSubscriber, percentile } from './support/subscriber.ts';

const quick = process.argv.includes('--quick');
const TOTAL = quick ? 5000 : 50000;
const BATCH = 100;
const RATE = quick ? 500 : 1000;
const RATE_SECONDS = quick ? 3 : 10;
const root = resolve(import.meta.dirname, '..');
const payload = JSON.stringify({ customer: 'c-42', note: 'x'.repeat(900) });

function triggers(count: number, matching: number, subscriber: string): string {
  const docs = [
    'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: { name: bench, namespace: bench }\n',
  ];
  for (let i = 0; i < count; i++) {
    const hit = i < matching;
    // Non-matching triggers: most filter on another type (skipped by the index), one in ten is CEL
    // on the subject (evaluated for every event).
    const filter = hit
      ? 'filters: [{ exact: { type: com.example.bench } }]'
      : i % 10 === 0
        ? `filters: [{ cel: "event.subject == 'nobody-${i}'" }]`
        : `filters: [{ exact: { type: com.example.other-${i} } }]`;
    docs.push(
      `apiVersion: eventyard.dev/v1\nkind: Trigger\nmetadata: { name: t-${i}, namespace: bench }\nspec:\n  broker: bench\n  ${filter}\n  subscriber: { uri: "${subscriber}/t-${i}" }\n`,
    );
  }
  return docs.join('---\n');
}

async function postBatch(url: string, from: number, size: number, prefix: string): Promise<number> {
  const events = [];
  const sent = performance.now();
  for (let i = 0; i < size; i++) {
    events.push({
      specversion: '1.0',
      id: `${prefix}-${from + i}`,
      source: '/bench',
      type: 'com.example.bench',
      subject: 's',
      data: JSON.parse(payload),
    });
  }
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents-batch+json' },
    body: JSON.stringify(events),
  });
  await response.body?.cancel();
  if (response.status !== 202) throw new Error(`batch answered ${response.status}`);
  return sent;
}

async function runScenario(triggerCount: number, matching: number) {
  const dir = await mkdtemp(join(tmpdir(), 'eventyard-bench-'));
  const subscriber = await benchSubscriber();
  await writeFile(join(dir, 'resources.yaml'), triggers(triggerCount, matching, subscriber.url));
  const broker = await startServer([
    join(root, 'packages/cli/src/main.ts'),
    'start',
    '--config',
    dir,
    '--data-dir',
    join(dir, 'data'),
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--log-level',
    'info',
  ]);
  const url = `${broker.url}/bench/bench`;
  try {
    // Throughput: post TOTAL events (in batches, 4 requests in flight) and wait for every delivery.
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < TOTAL) {
          const from = next;
          next += BATCH;
          await postBatch(url, from, Math.min(BATCH, TOTAL - from), 'tput');
        }
      }),
    );
    while (subscriber.count() < TOTAL * matching) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - started) / 1000;
    const throughput = TOTAL / seconds;

    // Latency: single binary POSTs at a steady rate.
    const sentAt = new Map<string, number>();
    const interval = 1000 / RATE;
    const start = performance.now();
    const posts: Promise<void>[] = [];
    for (let i = 0; i < RATE * RATE_SECONDS; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const id = `lat-${i}`;
      sentAt.set(id, performance.now());
      posts.push(
        fetch(url, {
          method: 'POST',
          headers: {
            'ce-specversion': '1.0',
            'ce-id': id,
            'ce-source': '/bench',
            'ce-type': 'com.example.bench',
            'content-type': 'application/json',
          },
          body: payload,
        }).then((r) => r.body?.cancel()),
      );
    }
    await Promise.all(posts);
    const expected = RATE * RATE_SECONDS;
    while ([...sentAt.keys()].some((id) => (subscriber.arrivals.get(id)?.length ?? 0) < matching)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const latencies: number[] = [];
    for (const [id, at] of sentAt)
      for (const arrived of subscriber.arrivals.get(id) ?? []) latencies.push(arrived - at);
    return {
      throughput,
      deliveries: throughput * matching,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      expected,
    };
  } finally {
    await broker.stop();
    await subscriber.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The log alone: append TOTAL records in batches of BATCH and read them back through a consumer group. */
async function baseline(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'eventyard-bench-'));
  const log = await openEmbeddedLog({ dir });
  try {
    await log.ensureTopic({ name: 'bench', partitions: 10 });
    const value = Buffer.from(payload);
    const started = performance.now();
    let read = 0;
    const done = new Promise<void>((resolveDone) => {
      void log.consume({
        group: 'bench',
        topic: 'bench',
        onBatch: async (batch) => {
          read += batch.records.length;
          if (read >= TOTAL) resolveDone();
        },
      });
    });
    for (let i = 0; i < TOTAL; i += BATCH) {
      const records = Array.from({ length: Math.min(BATCH, TOTAL - i) }, (_, j) => ({
        key: null,
        value,
        headers: {
          ce_specversion: '1.0',
          ce_id: `b-${i + j}`,
          ce_source: '/bench',
          ce_type: 'com.example.bench',
        },
      }));
      await log.append('bench', records);
    }
    await done;
    return TOTAL / ((performance.now() - started) / 1000);
  } finally {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const base = await baseline();
const one = await runScenario(1, 1);
const many = await runScenario(1000, 10);
const ten = await runScenario(10, 10);
console.log(
  `\nEnd-to-end on the embedded log: ${TOTAL} events of 1 KiB posted in batches of ${BATCH}; latency at ${RATE} events/s for ${RATE_SECONDS} s\n`,
);
console.log('| scenario | events/s in | deliveries/s | ratio to baseline | p50 ms | p99 ms |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
console.log(`| baseline: embedded log append + consume, no HTTP | ${base.toFixed(0)} | | 1.00 | | |`);
for (const [name, r] of [
  ['1 trigger', one],
  ['10 triggers, all match', ten],
  ['1,000 triggers, 10 match', many],
] as const) {
  console.log(
    `| ${name} | ${r.throughput.toFixed(0)} | ${r.deliveries.toFixed(0)} | ${(r.throughput / base).toFixed(2)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`,
  );
}
console.log(
  `\nfan-out: 1,000 triggers vs 10 triggers (10 match each): ${(many.throughput / ten.throughput).toFixed(2)}`,
);
