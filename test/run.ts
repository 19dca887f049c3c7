/**
 * The test command behind `npm test` (after type-check and lint): starts a real single-node Apache
 * Kafka when KAFKA_BROKERS is not set, runs every test file with node's test runner, and stops Kafka.
 * Kafka tests are never skipped: when Kafka cannot be started the run fails and says why.
 */
import { spawn } from 'node:child_process';
import { startKafka } from './kafka/kafka.ts';

const patterns = process.argv.slice(2);
const files = patterns.length > 0 ? patterns : ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'];

let stopKafka: (() => Promise<void>) | undefined;
const env = { ...process.env };
if (!env.KAFKA_BROKERS) {
  const started = Date.now();
  const kafka = await startKafka();
  stopKafka = kafka.stop;
  env.KAFKA_BROKERS = kafka.brokers;
  console.log(`test: Kafka ready at ${kafka.brokers} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

let code = 1;
try {
  code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
      {
        stdio: 'inherit',
        env,
      },
    );
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
} finally {
  await stopKafka?.();
}
process.exit(code);
