/**
 * The EventLog conformance suite against a real Apache Kafka broker. The test command starts one
 * (test/run.ts) and passes it in KAFKA_BROKERS; by hand: `npm run kafka start`, then export the
 * KAFKA_BROKERS line it prints.
 */
import { openKafkaLog } from '../src/index.ts';
import { runConformanceSuite } from './conformance.ts';

/** Kafka tests are never skipped: without KAFKA_BROKERS this file fails, saying how to get a broker. */
function kafkaBrokers(): string[] {
  const brokers = (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) {
    throw new Error(
      'KAFKA_BROKERS is not set. `npm test` starts Kafka and sets it; to run this file alone, start one with ' +
        '`npm run kafka start` (test/kafka/kafka.ts) and export the KAFKA_BROKERS=... line it prints.',
    );
  }
  return brokers;
}

const brokers = kafkaBrokers();

runConformanceSuite('kafka', () => openKafkaLog({ brokers, clientId: 'eventyard-conformance' }), {
  namePrefix: 'eyconf-kafka',
});
