import type { KafkaClientName } from './eventyard.ts';

/** The Kafka clients to measure, the default (@platformatic/kafka) first. */
export async function availableClients(): Promise<KafkaClientName[]> {
  return ['platformatic', 'kafkajs'];
}
