/**
 * Appends through kafkajs: one idempotent producer per session, one `sendBatch` per request. The
 * partitions are chosen by the Appender (kafka/appender.ts); kafkajs' default partitioner keeps a
 * message's own partition.
 */
import type { Kafka, Producer } from 'kafkajs';
import type { PartitionBaseOffset, ProducerClient, ProducerSession, TopicMessages } from '../../appender.ts';
import { isUnknownTopic } from './errors.ts';

export function kafkajsProducers(kafka: Kafka): ProducerClient {
  return { producer: () => new KafkajsProducer(kafka), isUnknownTopic };
}

class KafkajsProducer implements ProducerSession {
  private readonly producer: Producer;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      allowAutoTopicCreation: false,
      maxInFlightRequests: 1,
      // Bounded (kafkajs' idempotent default is unbounded): a failed send discards the producer.
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 8 },
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(appends: readonly TopicMessages[], timeoutMs: number): Promise<PartitionBaseOffset[]> {
    const byTopic = new Map<string, TopicMessages['messages']>();
    for (const { topic, messages } of appends) {
      const gathered = byTopic.get(topic);
      if (gathered === undefined) byTopic.set(topic, appends.length === 1 ? messages : messages.slice());
      else for (const m of messages) gathered.push(m);
    }
    const responses = await this.producer.sendBatch({
      acks: -1,
      timeout: timeoutMs,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    return responses.map((r) => ({
      topic: r.topicName,
      partition: r.partition,
      baseOffset: Number(r.baseOffset),
    }));
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}
