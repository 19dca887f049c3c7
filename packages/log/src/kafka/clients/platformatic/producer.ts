/**
 * Appends through @platformatic/kafka: one idempotent producer per session, one `send` per request.
 * The partitions are chosen by the Appender (kafka/appender.ts) and kept by the client.
 *
 * Why a second client: in the ingress profile, kafkajs' record encoding (zero-filled buffers per
 * record and header, grown by copying; a JS CRC32C) took about a third of the process's CPU;
 * @platformatic/kafka encodes the same requests at about half the CPU per record (bench/RESULTS.md).
 */
import { Producer, type Serializers } from '@platformatic/kafka';
import type {
  OutgoingMessage,
  PartitionBaseOffset,
  ProducerClient,
  ProducerSession,
  TopicMessages,
} from '../../appender.ts';
import type { KafkaLogOptions } from '../../types.ts';
import { isUnknownTopic } from './errors.ts';
import { connectionOptions } from './options.ts';

type AppendProducer = Producer<string | null, Buffer | null, string, string>;

// Keys and header values are strings, values bytes; null is sent as null (Kafka's -1 length).
const serializers: Serializers<string | null, Buffer | null, string, string> = {
  key: (key) => (key === undefined || key === null ? undefined : Buffer.from(key, 'utf8')),
  value: (value) => (value === undefined || value === null ? undefined : value),
  headerKey: (name) => (name === undefined ? undefined : Buffer.from(name, 'utf8')),
  headerValue: (value) => (value === undefined ? undefined : Buffer.from(value, 'utf8')),
};

export function platformaticProducers(options: KafkaLogOptions, appendTimeoutMs: number): ProducerClient {
  return { producer: () => new PlatformaticProducer(options, appendTimeoutMs), isUnknownTopic };
}

class PlatformaticProducer implements ProducerSession {
  private readonly producer: AppendProducer;

  constructor(options: KafkaLogOptions, appendTimeoutMs: number) {
    this.producer = new Producer({
      ...connectionOptions(options),
      idempotent: true,
      acks: -1,
      serializers,
      autocreateTopics: false,
      timeout: appendTimeoutMs,
      // Bounded retries inside the append deadline; a failed send discards the producer.
      retries: 3,
      retryDelay: 100,
    });
  }

  async connect(): Promise<void> {
    await this.producer.initIdempotentProducer({});
  }

  async send(appends: readonly TopicMessages[]): Promise<PartitionBaseOffset[]> {
    const messages: OutgoingMessage[] =
      appends.length === 1 ? appends[0]!.messages : appends.flatMap((p) => p.messages);
    const result = await this.producer.send({ messages, acks: -1 });
    return (result.offsets ?? []).map((r) => ({
      topic: r.topic,
      partition: r.partition,
      baseOffset: Number(r.offset),
    }));
  }

  close(): Promise<void> {
    return this.producer.close(true);
  }
}
