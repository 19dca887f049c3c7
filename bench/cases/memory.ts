/**
 * Benchmark 7: memory.
 *  a. RSS of `eventyard start` with 10,000 triggers loaded (the matching benchmark's mix, each with
 *     its own subscriber path) — the same process with one trigger is shown beside it. ≤ 200 MB.
 *  b. A steady load while one of two triggers' subscriber is down (connection refused), with
 *     retries long enough that the failed deliveries wait in the retry topic: RSS must stay flat
 *     (the backlog stays in Kafka). Figure: RSS at the end over RSS once warmed up (after a fifth
 *     of the run). Five minutes in full mode, seconds in quick mode.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { type BenchContext, size } from '../support/context.ts';
import { BATCH_CONTENT_TYPE, batchBody, EVENT_TYPE } from '../support/events.ts';
import { type Eventyard, startEventyard, triggerYaml } from '../support/eventyard.ts';
import { deleteTopics, topicsStartingWith, uniqueName } from '../support/kafka.ts';
import { fixed, median, type Row } from '../support/report.ts';
import { benchSubscriber } from '../support/subscriber.ts';
import { mixedTriggerFilters } from './matching.ts';

const MB = 1024 * 1024;

/** Filters as YAML flow maps, as a user writes them. */
function yamlFilters(spec: object): string {
  return `filters: ${JSON.stringify((spec as { filters: unknown[] }).filters)}`;
}

async function settledRss(server: Eventyard, seconds: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < seconds * 2; i++) {
    await new Promise((r) => setTimeout(r, 500));
    samples.push(await server.rss());
  }
  return median(samples);
}

/** A port nothing listens on: a subscriber that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function memoryBenchmarks(context: BenchContext): Promise<Row[]> {
  const client = context.clients[0] ?? 'kafkajs';
  const brokers = context.kafka.brokers;
  const prefix = uniqueName('eybench-memory');
  const rows: Row[] = [];
  const subscriber = await benchSubscriber();
  const servers: Eventyard[] = [];
  const start = async (name: string, resources: string[]) => {
    const server = await startEventyard({
      log: { kind: 'kafka', brokers, client },
      topicPrefix: `${prefix}-${name}`,
      nodeFlags: context.nodeFlags,
      resources,
    });
    servers.push(server);
    return server;
  };
  const stopAll = async () => {
    for (const s of servers.splice(0)) await s.stop();
  };
  try {
    context.progress('memory: eventyard with 1 trigger');
    const one = await start('one', [
      triggerYaml('t-0', `filters: [{ exact: { type: ${EVENT_TYPE} } }]`, `${subscriber.url}/t-0`),
    ]);
    const oneRss = await settledRss(one, size(context, 5, 1));
    await stopAll();
    context.progress('memory: eventyard with 10,000 triggers');
    const many = await start(
      'many',
      mixedTriggerFilters().map(({ name, spec }) =>
        triggerYaml(name, yamlFilters(spec), `${subscriber.url}/${name}`),
      ),
    );
    const manyRss = await settledRss(many, size(context, 5, 1));
    await stopAll();
    rows.push({
      id: '7',
      name: `memory, RSS with 10,000 triggers loaded (${client})`,
      measured: `${fixed(manyRss / MB, 0)} MB`,
      baseline: `${fixed(oneRss / MB, 0)} MB with 1 trigger`,
      ratio: `${fixed(manyRss / MB, 0)} MB`,
      target: '≤ 200 MB',
      pass: manyRss <= 200 * MB,
    });

    const seconds = size(context, 300, 8, 3);
    const rate = size(context, 500, 200);
    context.progress(`memory: one subscriber down for ${seconds} s at ${rate} events/s`);
    const down = `http://127.0.0.1:${await closedPort()}/down`;
    const retry = '  delivery: { retry: 20, backoffPolicy: linear, backoffDelay: PT30S }\n';
    const soak = await start('soak', [
      triggerYaml('up', `filters: [{ exact: { type: ${EVENT_TYPE} } }]`, `${subscriber.url}/up`),
      triggerYaml('down', `filters: [{ exact: { type: ${EVENT_TYPE} } }]`, down, retry),
    ]);
    const batch = rate / 10;
    const body = batchBody(batch, 'soak');
    const target = new URL(soak.ingress);
    const pool = new Pool(target.origin, { connections: 4 });
    const samples: Array<{ at: number; rss: number }> = [];
    const before = subscriber.count();
    let posted = 0;
    try {
      const began = performance.now();
      let nextSample = 0;
      for (let tick = 0; tick < seconds * 10; tick++) {
        const due = began + tick * 100;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const response = await pool.request({
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': BATCH_CONTENT_TYPE },
          body,
        });
        await response.body.dump();
        if (response.statusCode !== 202) throw new Error(`soak batch answered ${response.statusCode}`);
        posted += batch;
        const elapsed = (performance.now() - began) / 1000;
        if (elapsed >= nextSample) {
          samples.push({ at: elapsed, rss: await soak.rss() });
          nextSample += size(context, 5, 1);
        }
      }
      samples.push({ at: (performance.now() - began) / 1000, rss: await soak.rss() });
    } finally {
      await pool.close();
    }
    await subscriber.waitFor(before + posted, 60_000);
    const warm = samples.find((s) => s.at >= seconds / 5) ?? samples[0]!;
    const last = samples.at(-1)!;
    const peak = Math.max(...samples.map((s) => s.rss));
    const growth = last.rss / warm.rss;
    rows.push({
      id: '7',
      name: `memory, one subscriber down for ${seconds} s at ${rate} events/s (${client})`,
      measured: `${fixed(last.rss / MB, 0)} MB at the end (peak ${fixed(peak / MB, 0)} MB)`,
      baseline: `${fixed(warm.rss / MB, 0)} MB after ${fixed(warm.at, 0)} s`,
      ratio: fixed(growth),
      target: '≤ 1.20 (flat)',
      pass: growth <= 1.2,
    });
    return rows;
  } finally {
    await stopAll();
    await subscriber.close();
    await deleteTopics(brokers, await topicsStartingWith(brokers, prefix));
  }
}
