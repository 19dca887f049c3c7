/**
 * `npm run chaos`: the chaos scenario (bench/chaos/scenario.ts) for minutes, printed and written
 * into bench/RESULTS.md between the chaos markers.
 *
 *   npm run chaos -- [--minutes 5] [--replicas 3] [--no-write]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chaosReport, runChaos } from './scenario.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    replicas: { type: 'string', default: '3' },
    'no-write': { type: 'boolean', default: false },
  },
});
const minutes = Number(values.minutes);
const replicas = Number(values.replicas);
if (!(minutes > 0) || !(Number.isInteger(replicas) && replicas >= 1)) {
  throw new Error('--minutes must be positive and --replicas a whole number from 1');
}

const result = await runChaos({
  durationMs: minutes * 60_000,
  replicas,
  producers: 8,
  killEveryMs: 20_000,
  kafkaOutageMs: 20_000,
  flapMs: 3_000,
  drainTimeoutMs: 180_000,
  progress: (line) => process.stderr.write(`chaos: ${line}\n`),
});
const report = chaosReport(result);
process.stdout.write(`${report}\n`);

if (!values['no-write']) {
  const RESULTS = join(import.meta.dirname, '..', 'RESULTS.md');
  const START = '<!-- chaos:start (written by bench/chaos/run.ts) -->';
  const END = '<!-- chaos:end -->';
  const section = `${START}\n${new Date().toISOString().slice(0, 10)}, \`npm run chaos -- --minutes ${minutes} --replicas ${replicas}\`:\n\n${report}\n${END}`;
  let text = await readFile(RESULTS, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from !== -1 && to > from) text = text.slice(0, from) + section + text.slice(to + END.length);
  else text = `${text.trimEnd()}\n\n## Chaos\n\n${section}\n`;
  await writeFile(RESULTS, text);
  process.stderr.write(`chaos: wrote ${RESULTS}\n`);
}
process.exit(result.lost === 0 && result.lostFlapping === 0 ? 0 : 1);
