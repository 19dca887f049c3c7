import type { LogRecord, StoredRecord } from '@eventyard/core';

export type { LogRecord, StoredRecord };

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Kafka only; the embedded log has one copy. */
  replicationFactor?: number;
  /** Records older than this may be deleted. */
  retentionMs?: number;
  /** Per partition: oldest records are deleted while a partition holds more than this. */
  retentionBytes?: number;
}

export interface AppendResult {
  partition: number;
  offset: number;
}

/** Records of one partition, in offset order. */
export interface RecordBatch {
  topic: string;
  partition: number;
  records: StoredRecord[];
}

export interface ConsumeOptions {
  /** Consumer group: committed offsets are kept per group, topic and partition. */
  group: string;
  topic: string;
  /** Where a partition with no committed offset starts. Default 'earliest'. */
  start?: 'earliest' | 'latest';
  /** Upper bound on records per batch. */
  maxBatchSize?: number;
  /**
   * Receives the records of one partition in offset order. The next batch of that partition is not
   * delivered until the returned promise settles; other partitions proceed meanwhile. Handing a
   * batch over does not commit it: the caller commits explicitly.
   */
  onBatch(batch: RecordBatch): Promise<void>;
  /** Partitions this consumer now owns (all of them for the embedded log). */
  onAssign?(partitions: number[]): void | Promise<void>;
  /** Partitions taken away (rebalance or close): commit what is finished before resolving. */
  onRevoke?(partitions: number[]): void | Promise<void>;
}

export interface Consumer {
  /** Commit `offset` as the next offset to read for `partition` (Kafka semantics). */
  commit(partition: number, offset: number): Promise<void>;
  /** Stop fetching a partition (backpressure) until `resume`. */
  pause(partition: number): void;
  resume(partition: number): void;
  /** Continue reading `partition` at `offset` (replay). */
  seek(partition: number, offset: number): void;
  close(): Promise<void>;
}

/**
 * A durable, partitioned, append-only log with consumer groups: the contract between ingress and
 * dispatcher. Implementations: `embedded` (node:sqlite, one process) and `kafka`. Both pass the
 * conformance suite in `test/conformance.ts`.
 */
export interface EventLog {
  readonly kind: 'embedded' | 'kafka';
  /** Create the topic if it does not exist; an existing topic is left as it is. */
  ensureTopic(spec: TopicSpec): Promise<void>;
  /** Number of partitions, or undefined when the topic does not exist. */
  partitions(topic: string): Promise<number | undefined>;
  /**
   * Append records; the partition is chosen from the key (Kafka's murmur2 partitioner), records
   * without a key are spread. Resolves only when every record is durable (Kafka: acks=all), with
   * one result per record in input order. Rejects with EY_LOG_UNAVAILABLE when it cannot persist.
   */
  append(topic: string, records: LogRecord[]): Promise<AppendResult[]>;
  consume(options: ConsumeOptions): Promise<Consumer>;
  /** Next offset to be written, per partition (index = partition). */
  endOffsets(topic: string): Promise<number[]>;
  /** Oldest offset still stored, per partition (after retention). */
  startOffsets(topic: string): Promise<number[]>;
  /** Committed next-offset per partition for a group, or null where the group never committed. */
  committedOffsets(group: string, topic: string): Promise<Array<number | null>>;
  /** Overwrite a group's committed offsets (replay, reset); the group must have no live consumer. */
  setCommittedOffsets(
    group: string,
    topic: string,
    offsets: Array<{ partition: number; offset: number }>,
  ): Promise<void>;
  /** Read without a group (inspection: dead letters, `replay --dry-run`). */
  read(topic: string, partition: number, fromOffset: number, maxRecords: number): Promise<StoredRecord[]>;
  /** True when an append would be accepted now (readiness). */
  writable(): Promise<boolean>;
  close(): Promise<void>;
}
