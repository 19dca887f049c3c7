/**
 * Topics and offsets through kafkajs' admin client, and reads and group-less commits through its
 * internal cluster client (direct.ts). A connection failure or timeout discards the admin client
 * (`reset`), so the next call connects again.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { StoredRecord, TopicSpec } from '../../../types.ts';
import type { LogAdmin, Watermarks } from '../../admin.ts';
import { DirectClient } from './direct.ts';
import { isUnknownTopic, kafkaErrorType } from './errors.ts';
import { LazyConnection } from './lazy-connection.ts';

export class KafkajsAdmin implements LogAdmin {
  private readonly direct: DirectClient;
  private readonly admin: LazyConnection<Admin>;

  constructor(kafka: Kafka) {
    this.direct = new DirectClient(kafka);
    this.admin = new LazyConnection(() =>
      kafka.admin({ retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 5 } }),
    );
  }

  async createTopic(spec: TopicSpec, timeoutMs: number): Promise<void> {
    const admin = await this.admin.get();
    const brokers = (await admin.describeCluster()).brokers.length;
    const configEntries: Array<{ name: string; value: string }> = [];
    if (spec.retentionMs !== undefined)
      configEntries.push({ name: 'retention.ms', value: String(spec.retentionMs) });
    if (spec.retentionBytes !== undefined) {
      configEntries.push({ name: 'retention.bytes', value: String(spec.retentionBytes) });
    }
    // false: the topic exists already, and is left as it is.
    await admin.createTopics({
      waitForLeaders: true,
      timeout: timeoutMs,
      topics: [
        {
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor ?? Math.max(1, Math.min(3, brokers)),
          configEntries,
        },
      ],
    });
  }

  async partitionCount(topic: string): Promise<number | undefined> {
    const admin = await this.admin.get();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return topics.find((t) => t.name === topic)?.partitions.length;
    } catch (error) {
      if (isUnknownTopic(error)) return undefined;
      throw error;
    }
  }

  async watermarks(topic: string): Promise<Watermarks[]> {
    const admin = await this.admin.get();
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));
  }

  async committedOffsets(
    group: string,
    topic: string,
  ): Promise<Array<{ partition: number; offset: number }>> {
    const admin = await this.admin.get();
    const result = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return (result.find((t) => t.topic === topic)?.partitions ?? []).map(({ partition, offset }) => ({
      partition,
      offset: Number(offset),
    }));
  }

  setCommittedOffsets(
    group: string,
    topic: string,
    offsets: Array<{ partition: number; offset: number }>,
  ): Promise<void> {
    return this.direct.commitOffsets(group, topic, offsets);
  }

  read(
    topic: string,
    partition: number,
    fromOffset: number,
    maxRecords: number,
    startOffset: () => Promise<number>,
  ): Promise<StoredRecord[]> {
    return this.direct.read(topic, partition, fromOffset, maxRecords, startOffset);
  }

  async probe(topic: string | undefined): Promise<void> {
    const admin = await this.admin.get();
    if (topic === undefined) await admin.describeCluster();
    else await admin.fetchTopicMetadata({ topics: [topic] });
  }

  isUnknownTopic(error: unknown): boolean {
    return isUnknownTopic(error);
  }

  isKafkaAnswer(error: unknown): boolean {
    return kafkaErrorType(error) !== undefined;
  }

  reset(): void {
    this.admin.reset();
  }

  async close(): Promise<void> {
    await Promise.all([this.direct.close(), this.admin.close()]);
  }
}
