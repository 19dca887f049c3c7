/**
 * The Kafka every Kafka test uses: `npm test` (test/run.ts) starts one and passes it in
 * KAFKA_BROKERS. Kafka tests are never skipped: without it they fail, saying how to get a broker.
 */
export function kafkaBrokers(): string[] {
  const brokers = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) {
    throw new Error(
      'KAFKA_BROKERS is not set. `npm test` starts Kafka and sets it; to run a Kafka test file alone, start one with ' +
        '`npm run kafka -- start` (test/kafka/kafka.ts) and export the KAFKA_BROKERS=... line it prints.',
    );
  }
  return brokers;
}
