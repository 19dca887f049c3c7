/**
 * The benchmark suite of issue 7: every figure a ratio to a baseline measured in the same run.
 *
 *   node bench/run.ts [--quick | --smoke] [--only 1,2,3,4,5,6,7,9] [--clients platformatic,kafkajs]
 *                     [--rounds N] [--cpu-prof] [--no-write]
 *
 * Starts a throw-away Kafka unless KAFKA_BROKERS is set, runs the benchmarks one after the other,
 * prints one table, and (full mode, unless --no-write) writes it with the machine, Node and Kafka
 * versions into bench/RESULTS.md between the generated-section markers. `--quick` is the smoke
 * version (seconds each), `--smoke` the smallest one (what test/bench/smoke.test.ts runs);
 * `--clients` picks the Kafka producer clients measured (default: both, the default client first);
 * `--cpu-prof` writes a CPU profile of every eventyard process to bench/out/.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deliveryBenchmarks } from './cases/delivery.ts';
import { fanOutBenchmark } from './cases/fanout.ts';
import { hostileFilterBenchmark } from './cases/hostile-filter.ts';
import { ingressBenchmarks } from './cases/ingress.ts';
import { matchingBenchmark } from './cases/matching.ts';
import { memoryBenchmarks } from './cases/memory.ts';
import { availableClients } from './support/clients.ts';
import type { BenchContext } from './support/context.ts';
import type { KafkaClientName } from './support/eventyard.ts';
import { ensureKafka } from './support/kafka.ts';
import { describeMachine, machineLines } from './support/machine.ts';
import { type Row, table } from './support/report.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    clients: { type: 'string' },
    rounds: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});

const smoke = values.smoke ?? false;
const quick = smoke || (values.quick ?? false);
const only = new Set((values.only ?? '1,2,3,4,5,6,7,9').split(',').map((s) => s.trim()));
const clients = (values.clients?.split(',').map((s) => s.trim()) ??
  (await availableClients())) as KafkaClientName[];
const OUT = join(import.meta.dirname, 'out');
const RESULTS = join(import.meta.dirname, 'RESULTS.md');
const START = '<!-- results:start (written by bench/run.ts) -->';
const END = '<!-- results:end -->';

const needsKafka = [...only].some((id) => id !== '6' && id !== '9');
const kafka = needsKafka ? await ensureKafka() : { brokers: '', version: 'n/a', stop: async () => {} };
const started = performance.now();
const context: BenchContext = {
  quick,
  smoke,
  rounds: Number(values.rounds ?? (quick ? 1 : 3)),
  kafka,
  clients,
  nodeFlags: values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${OUT}`] : [],
  progress: (message) =>
    process.stderr.write(`bench [${((performance.now() - started) / 1000).toFixed(0)} s]: ${message}\n`),
};
if (values['cpu-prof']) await mkdir(OUT, { recursive: true });

const rows: Row[] = [];
try {
  if (only.has('1') || only.has('2')) rows.push(...(await ingressBenchmarks(context)));
  if (only.has('3') || only.has('5')) rows.push(...(await deliveryBenchmarks(context)));
  if (only.has('4')) rows.push(...(await fanOutBenchmark(context)));
  if (only.has('6')) rows.push(...(await matchingBenchmark(context)));
  if (only.has('7')) rows.push(...(await memoryBenchmarks(context)));
  if (only.has('9')) rows.push(...(await hostileFilterBenchmark(context)));
} finally {
  await kafka.stop();
}
rows.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));

const machine = describeMachine(kafka.version);
const heading = `Eventyard benchmarks (${smoke ? 'smoke' : quick ? 'quick' : 'full'} mode, ${context.rounds} round${context.rounds === 1 ? '' : 's'}, medians)`;
const output = `${heading}\n\n${machineLines(machine)}\n\n${table(rows)}\n`;
process.stdout.write(`\n${output}`);

if (!quick && !values['no-write'] && only.size === 8) {
  const generated = `${START}\n## Latest full run\n\n${machineLines(machine)}\n\n${table(rows)}\n${END}`;
  let text: string;
  try {
    text = await readFile(RESULTS, 'utf8');
  } catch {
    text = `# Benchmark results\n\n${START}\n${END}\n`;
  }
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  text =
    from >= 0 && to > from
      ? `${text.slice(0, from)}${generated}${text.slice(to + END.length)}`
      : `${text.trimEnd()}\n\n${generated}\n`;
  await writeFile(RESULTS, text);
  process.stderr.write(`bench: wrote ${RESULTS}\n`);
}
