/**
 * Ingress throughput: single binary-mode POSTs of a 1 KiB JSON event against the broker on the
 * embedded log (every 202 is durable: fsync'd), against a bare fastify route answering 202 measured in
 * the same run. Usage: node bench/ingress.ts [--quick]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { startServer } from './support/processes.ts';

const quick = process.argv.includes('--quick');
const duration = quick ? 3 : 15;
const connections = 100;
const root = resolve(import.meta.dirname, '..');
const body = JSON.stringify({ customer: 'c-42', note: 'x'.repeat(1000) }).slice(0, 1024);
const headers = {
  'ce-specversion': '1.0',
  'ce-id': 'bench',
  'ce-source': '/bench',
  'ce-type': 'com.example.bench',
  'content-type': 'application/json',
};

async function measure(url: string): Promise<{ rps: number; p50: number; p99: number; non2xx: number }> {
  const result = await autocannon({ url, method: 'POST', headers, body, connections, duration });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  };
}

const dir = await mkdtemp(join(tmpdir(), 'eventyard-bench-'));
try {
  await writeFile(
    join(dir, 'broker.yaml'),
    'apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: { name: bench, namespace: bench }\n',
  );
  const baseline = await startServer([join(root, 'bench/baseline-server.ts')]);
  const base = await measure(`${baseline.url}/bench/bench`);
  await baseline.stop();
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
  ]);
  const embedded = await measure(`${broker.url}/bench/bench`);
  await broker.stop();

  const rows = [
    ['baseline: bare fastify 202', base],
    ['eventyard, embedded log (durable)', embedded],
  ] as const;
  console.log(`\nIngress, single binary POSTs of 1 KiB, ${connections} connections, ${duration} s each\n`);
  console.log('| target | req/s | p50 ms | p99 ms | non-2xx | ratio to baseline |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, r] of rows) {
    console.log(
      `| ${name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${(r.rps / base.rps).toFixed(2)} |`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
