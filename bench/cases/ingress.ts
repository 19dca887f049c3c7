/**
 * Benchmarks 1 and 2 (and 8 for each Kafka client): ingress throughput.
 *  1. single binary-mode POSTs of 1 KiB JSON, 100 connections, 202 only once Kafka acknowledged
 *     (acks=all) — against a bare fastify route answering 202 with no work;
 *  2. batched mode, 100 events per request — against Kafka's own kafka-producer-perf-test
 *     writing 1 KiB records with acks=all.
 * Baseline and subject run back to back in each round; figures are medians over rounds.
 */
import { join } from 'node:path';
import { type BenchContext, size } from '../support/context.ts';
import { BATCH_CONTENT_TYPE, batchBody, binaryHeaders, DATA } from '../support/events.ts';
import { type Eventyard, type LogChoice, startEventyard } from '../support/eventyard.ts';
import {
  createTopic,
  deleteTopics,
  producerPerfTest,
  topicsStartingWith,
  uniqueName,
} from '../support/kafka.ts';
import { cannon } from '../support/load.ts';
import { startServer } from '../support/processes.ts';
import { count, fixed, median, type Row } from '../support/report.ts';

const CONNECTIONS = 100;
const BATCH = 100;
const BATCH_CONNECTIONS = 10;
const PARTITIONS = 10;

interface Subject {
  label: string;
  log: LogChoice;
  server: Eventyard;
  single: number[];
  singleRatio: number[];
  batched: number[];
  batchedRatio: number[];
  non2xx: number;
}

export async function ingressBenchmarks(context: BenchContext): Promise<Row[]> {
  const seconds = size(context, 10, 1, 0.5);
  const warmup = size(context, 2, 0.5, 0.2);
  const perfRecords = size(context, 300_000, 20_000, 5_000);
  const brokers = context.kafka.brokers;
  const prefix = uniqueName('eybench-ingress');
  const baseline = await startServer([join(import.meta.dirname, '../baseline-server.ts')]);
  const subjects: Subject[] = [];
  const perfTopic = `${prefix}-perf`;
  try {
    const logs: Array<[string, LogChoice]> = context.clients.map((client) => [
      client,
      { kind: 'kafka', brokers, client },
    ]);
    if (!context.quick) logs.push(['embedded log', { kind: 'embedded' }]);
    for (const [label, log] of logs) {
      context.progress(`ingress: starting eventyard (${label})`);
      const server = await startEventyard({
        log,
        role: 'ingress',
        topicPrefix: `${prefix}-${subjects.length}`,
        nodeFlags: context.nodeFlags,
      });
      subjects.push({
        label,
        log,
        server,
        single: [],
        singleRatio: [],
        batched: [],
        batchedRatio: [],
        non2xx: 0,
      });
    }
    await createTopic(brokers, perfTopic, PARTITIONS);
    const single = { headers: binaryHeaders('bench'), body: DATA, connections: CONNECTIONS, seconds };
    const batched = {
      headers: { 'content-type': BATCH_CONTENT_TYPE },
      body: batchBody(BATCH, 'bench'),
      connections: BATCH_CONNECTIONS,
      seconds,
    };
    const baseSingle: number[] = [];
    const basePerf: number[] = [];
    for (let round = 0; round < context.rounds; round++) {
      const first = round === 0 ? warmup : 0;
      context.progress(`ingress: round ${round + 1}/${context.rounds}, bare fastify`);
      const base = await cannon({ ...single, url: `${baseline.url}/bench/bench`, warmupSeconds: first });
      baseSingle.push(base.rps);
      for (const s of subjects) {
        context.progress(`ingress: round ${round + 1}, single POSTs, ${s.label}`);
        const r = await cannon({ ...single, url: s.server.ingress, warmupSeconds: first });
        s.single.push(r.rps);
        s.singleRatio.push(r.rps / base.rps);
        s.non2xx += r.non2xx + r.errors;
      }
      if (context.clients.length === 0) continue;
      context.progress(`ingress: round ${round + 1}, kafka-producer-perf-test`);
      const perf = await producerPerfTest(brokers, perfTopic, perfRecords, 1024);
      basePerf.push(perf);
      for (const s of subjects) {
        if (s.log.kind !== 'kafka') continue;
        context.progress(`ingress: round ${round + 1}, batches of ${BATCH}, ${s.label}`);
        const r = await cannon({ ...batched, url: s.server.ingress, warmupSeconds: first });
        s.batched.push(r.rps * BATCH);
        s.batchedRatio.push((r.rps * BATCH) / perf);
        s.non2xx += r.non2xx + r.errors;
      }
    }
    const rows: Row[] = [];
    for (const s of subjects) {
      const ratio = median(s.singleRatio);
      const kafka = s.log.kind === 'kafka';
      rows.push({
        id: kafka ? '1' : '1*',
        name: `ingress, single binary POSTs, 1 KiB, ${CONNECTIONS} conns (${s.label})${s.non2xx ? ` — ${s.non2xx} non-2xx/errors` : ''}`,
        measured: `${count(median(s.single))} req/s`,
        baseline: `${count(median(baseSingle))} req/s bare fastify 202`,
        ratio: fixed(ratio),
        target: kafka ? '≥ 0.60' : '',
        pass: kafka ? ratio >= 0.6 && s.non2xx === 0 : undefined,
      });
    }
    for (const s of subjects) {
      if (s.log.kind !== 'kafka') continue;
      const ratio = median(s.batchedRatio);
      rows.push({
        id: '2',
        name: `ingress, batches of ${BATCH} × 1 KiB, ${BATCH_CONNECTIONS} conns (${s.label})`,
        measured: `${count(median(s.batched))} events/s`,
        baseline: `${count(median(basePerf))} records/s kafka-producer-perf-test`,
        ratio: fixed(ratio),
        target: '≥ 0.30',
        pass: ratio >= 0.3 && s.non2xx === 0,
      });
    }
    return rows;
  } finally {
    await baseline.stop();
    for (const s of subjects) await s.server.stop();
    await deleteTopics(brokers, [perfTopic, ...(await topicsStartingWith(brokers, prefix))]);
  }
}
