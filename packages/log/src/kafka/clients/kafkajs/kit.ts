import type { ClientKit, ClientKitHost } from '../../client-kit.ts';
import { KafkajsAdmin } from './admin.ts';
import { createKafka } from './client.ts';
import { type ConsumerHost, KafkaLogConsumer } from './consumer.ts';
import { kafkajsProducers } from './producer.ts';

/** The Kafka EventLog's parts on kafkajs. */
export function openClientKit(host: ClientKitHost): ClientKit {
  const { options, requestTimeoutMs } = host;
  const kafka = createKafka(options, requestTimeoutMs);
  // A client per consumer: kafkajs caches committed offsets per client, and a consumer's cache must be its own.
  const consumerHost: ConsumerHost = { ...host, newKafka: () => createKafka(options, requestTimeoutMs) };
  return {
    producers: () => kafkajsProducers(kafka),
    admin: new KafkajsAdmin(kafka),
    newConsumer: (consume, partitions) => new KafkaLogConsumer(consumerHost, consume, partitions),
  };
}
