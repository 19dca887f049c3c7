/**
 * What the Kafka log asks a client for besides appends and group consumers: topics, offsets, and
 * reads without a group. One implementation per client (clients/kafkajs, clients/platformatic);
 * the log puts its deadlines and error codes around every call (log.ts).
 */
import type { StoredRecord, TopicSpec } from '../types.ts';

export interface Watermarks {
  partition: number;
  /** Oldest offset still stored. */
  low: number;
  /** Next offset to be written. */
  high: number;
}

export interface LogAdmin {
  /** Creates the topic and waits for its partition leaders; a topic that exists is left as it is. */
  createTopic(spec: TopicSpec, timeoutMs: number): Promise<void>;
  /** Partition count, or undefined when the topic does not exist. */
  partitionCount(topic: string): Promise<number | undefined>;
  watermarks(topic: string): Promise<Watermarks[]>;
  /** Committed next offsets of a group; -1 where it never committed (or partitions left out). */
  committedOffsets(group: string, topic: string): Promise<Array<{ partition: number; offset: number }>>;
  /** Overwrites a group's offsets while it has no live member; EY_GROUP_ACTIVE when it has. */
  setCommittedOffsets(
    group: string,
    topic: string,
    offsets: Array<{ partition: number; offset: number }>,
  ): Promise<void>;
  /**
   * Up to `maxRecords` records of one partition from `fromOffset` (clamped to the oldest record
   * still stored, which `startOffset` tells), stopping at the high watermark.
   */
  read(
    topic: string,
    partition: number,
    fromOffset: number,
    maxRecords: number,
    startOffset: () => Promise<number>,
  ): Promise<StoredRecord[]>;
  /** Resolves when Kafka answers: metadata of `topic`, or of the cluster. */
  probe(topic: string | undefined): Promise<void>;
  /** True when `error` is Kafka's answer that the topic or partition does not exist. */
  isUnknownTopic(error: unknown): boolean;
  /** True when `error` is an answer of Kafka (a protocol error), not a connection failure or timeout. */
  isKafkaAnswer(error: unknown): boolean;
  /** Connection trouble or a deadline passed: reconnect before the next call. */
  reset(): void;
  close(): Promise<void>;
}
