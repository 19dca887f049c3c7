/**
 * The EventLog conformance suite against a real Apache Kafka broker. The test command starts one
 * (test/run.ts) and passes it in KAFKA_BROKERS; by hand: `npm run kafka start`, then export the
 * KAFKA_BROKERS line it prints.
 */

import { kafkaBrokers } from '../../../test/kafka/brokers.ts';
import { openKafkaLog } from '../src/index.ts';
import { runConformanceSuite } from './conformance.ts';

const brokers = kafkaBrokers();

runConformanceSuite('kafka', () => openKafkaLog({ brokers, clientId: 'eventyard-conformance' }), {
  namePrefix: 'eyconf-kafka',
});
