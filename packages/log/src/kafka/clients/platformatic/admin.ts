/**
 * Topics, offsets and group-less reads through @platformatic/kafka: its Admin client for topics and
 * group offsets, and a Consumer that never joins a group for `read()` (a plain Fetch, so a read
 * costs no rebalance and leaves no group behind). Overwriting a group's offsets is Kafka's
 * OffsetCommit with generation -1 (Admin `alterConsumerGroupOffsets`, as Kafka's AdminClient does),
 * which the broker accepts only while the group has no members.
 *
 * Both clients reconnect by themselves; after a connection failure or a deadline (`reset`) they are
 * replaced anyway, so a connection that hangs is not used again.
 */
import {
  Admin,
  type ClusterMetadata,
  ListOffsetTimestamps,
  Consumer as PlatformaticConsumer,
} from '@platformatic/kafka';
import { groupActive } from '../../../errors.ts';
import type { StoredRecord, TopicSpec } from '../../../types.ts';
import type { LogAdmin, Watermarks } from '../../admin.ts';
import type { KafkaLogOptions } from '../../types.ts';
import { hasKafkaError, isUnknownTopic } from './errors.ts';
import { connectionOptions } from './options.ts';
import { collectRecords } from './records.ts';

/** Bytes asked for per read; Kafka still returns a first record batch larger than this (KIP-74). */
const FETCH_BYTES = 1024 * 1024;
/** Kafka's READ_COMMITTED isolation level: never show records of aborted transactions. */
const READ_COMMITTED = 1;
/** What Kafka answers to a member-less commit while the group has live members. */
const GROUP_BUSY = ['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS'];
/** How often a new topic's metadata is asked for until every partition has a leader. */
const LEADER_POLL_MS = 100;

type Reader = PlatformaticConsumer<Buffer, Buffer, Buffer, Buffer>;

export class PlatformaticAdmin implements LogAdmin {
  private readonly options: KafkaLogOptions;
  private readonly requestTimeoutMs: number;
  private admin: Admin | undefined;
  private reader: Reader | undefined;

  constructor(options: KafkaLogOptions, requestTimeoutMs: number) {
    this.options = options;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  async createTopic(spec: TopicSpec, timeoutMs: number): Promise<void> {
    const admin = this.client();
    const brokers = (await admin.metadata({ topics: [], forceUpdate: true })).brokers.size;
    const configs: Array<{ name: string; value: string }> = [];
    if (spec.retentionMs !== undefined)
      configs.push({ name: 'retention.ms', value: String(spec.retentionMs) });
    if (spec.retentionBytes !== undefined) {
      configs.push({ name: 'retention.bytes', value: String(spec.retentionBytes) });
    }
    try {
      await admin.createTopics({
        topics: [spec.name],
        partitions: spec.partitions,
        replicas: spec.replicationFactor ?? Math.max(1, Math.min(3, brokers)),
        configs,
      });
    } catch (error) {
      // The topic exists already, and is left as it is.
      if (!hasKafkaError(error, 'TOPIC_ALREADY_EXISTS')) throw error;
    }
    // Kafka answers CreateTopics before the partitions have leaders; appends need them.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const topic = (await admin.metadata({ topics: [spec.name], forceUpdate: true })).topics.get(
          spec.name,
        );
        if (topic?.partitions.every((p) => p.leader >= 0)) return;
      } catch (error) {
        if (!isUnknownTopic(error) && !hasKafkaError(error, 'LEADER_NOT_AVAILABLE')) throw error;
      }
      if (Date.now() > deadline) return; // the caller's deadline reports it
      await sleep(LEADER_POLL_MS);
    }
  }

  async partitionCount(topic: string): Promise<number | undefined> {
    try {
      // Asked afresh: a topic's partitions grow, and a deleted topic must be noticed.
      const metadata = await this.client().metadata({ topics: [topic], forceUpdate: true });
      return metadata.topics.get(topic)?.partitionsCount;
    } catch (error) {
      if (isUnknownTopic(error)) return undefined;
      throw error;
    }
  }

  async watermarks(topic: string): Promise<Watermarks[]> {
    const admin = this.client();
    const partitions = await this.partitionsOf(admin, topic);
    const ask = (timestamp: bigint) =>
      admin.listOffsets({
        topics: [
          { name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) },
        ],
      });
    const [low, high] = await Promise.all([
      ask(ListOffsetTimestamps.EARLIEST),
      ask(ListOffsetTimestamps.LATEST),
    ]);
    const out = partitions.map((partition) => ({ partition, low: 0, high: 0 }));
    for (const p of low.find((t) => t.name === topic)?.partitions ?? []) {
      const entry = out[p.partitionIndex];
      if (entry !== undefined) entry.low = Number(p.offset);
    }
    for (const p of high.find((t) => t.name === topic)?.partitions ?? []) {
      const entry = out[p.partitionIndex];
      if (entry !== undefined) entry.high = Number(p.offset);
    }
    return out;
  }

  async committedOffsets(
    group: string,
    topic: string,
  ): Promise<Array<{ partition: number; offset: number }>> {
    const admin = this.client();
    const partitionIndexes = await this.partitionsOf(admin, topic);
    const groups = await admin.listConsumerGroupOffsets({
      groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes }] }],
    });
    const partitions = groups
      .find((g) => g.groupId === group)
      ?.topics.find((t) => t.name === topic)?.partitions;
    return (partitions ?? []).map((p) => ({
      partition: p.partitionIndex,
      offset: Number(p.committedOffset),
    }));
  }

  async setCommittedOffsets(
    group: string,
    topic: string,
    offsets: Array<{ partition: number; offset: number }>,
  ): Promise<void> {
    try {
      await this.client().alterConsumerGroupOffsets({
        groupId: group,
        topics: [
          {
            name: topic,
            partitionOffsets: offsets.map(({ partition, offset }) => ({ partition, offset: BigInt(offset) })),
          },
        ],
      });
    } catch (error) {
      if (GROUP_BUSY.some((id) => hasKafkaError(error, id)))
        throw groupActive(group, topic, 'set committed offsets');
      throw error;
    }
  }

  async read(
    topic: string,
    partition: number,
    fromOffset: number,
    maxRecords: number,
    startOffset: () => Promise<number>,
  ): Promise<StoredRecord[]> {
    const reader = this.readerClient();
    // The client fetches metadata (and topic ids) for the topics it tracks.
    if (!reader.topics.has(topic)) reader.topics.track(topic);
    const out: StoredRecord[] = [];
    let offset = fromOffset;
    while (out.length < maxRecords) {
      const metadata: ClusterMetadata = await reader.metadata({ topics: [topic] });
      const topicMetadata = metadata.topics.get(topic);
      const node = topicMetadata?.partitions[partition]?.leader ?? -1;
      if (topicMetadata === undefined || node < 0) {
        throw Object.assign(new Error(`no leader for partition ${partition} of topic "${topic}"`), {
          apiId: 'LEADER_NOT_AVAILABLE',
        });
      }
      let response: Awaited<ReturnType<Reader['fetch']>>;
      try {
        response = await reader.fetch({
          node,
          topics: [
            {
              topicId: topicMetadata.id,
              partitions: [
                {
                  partition,
                  fetchOffset: BigInt(offset),
                  partitionMaxBytes: FETCH_BYTES,
                  currentLeaderEpoch: -1,
                  lastFetchedEpoch: -1,
                },
              ],
            },
          ],
          maxWaitTime: 0,
          minBytes: 0,
          maxBytes: FETCH_BYTES,
          isolationLevel: READ_COMMITTED,
        });
      } catch (error) {
        if (!hasKafkaError(error, 'OFFSET_OUT_OF_RANGE')) throw error;
        // Below the oldest record (retention deleted it): start there. Beyond the end: done.
        const start = await startOffset();
        if (offset >= start) return out;
        offset = start;
        continue;
      }
      const data = response.responses
        .find((t) => t.topicId === topicMetadata.id)
        ?.partitions.find((p) => p.partitionIndex === partition);
      const next = collectRecords(topic, partition, data?.records ?? [], offset, out, maxRecords);
      if (out.length >= maxRecords) return out;
      if (next === offset || next >= Number(data?.highWatermark ?? 0)) return out;
      offset = next;
    }
    return out;
  }

  async probe(topic: string | undefined): Promise<void> {
    await this.client().metadata({ topics: topic === undefined ? [] : [topic], forceUpdate: true });
  }

  isUnknownTopic(error: unknown): boolean {
    return isUnknownTopic(error);
  }

  isKafkaAnswer(error: unknown): boolean {
    for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
      if (typeof (e as Error & { apiId?: unknown }).apiId === 'string') return true;
      const nested = (e as Error & { errors?: unknown }).errors;
      if (Array.isArray(nested) && nested.some((n) => this.isKafkaAnswer(n))) return true;
    }
    return false;
  }

  reset(): void {
    const { admin, reader } = this;
    this.admin = undefined;
    this.reader = undefined;
    admin?.close().catch(() => {});
    reader?.close(true).catch(() => {});
  }

  async close(): Promise<void> {
    const { admin, reader } = this;
    this.admin = undefined;
    this.reader = undefined;
    await Promise.all([admin?.close().catch(() => {}), reader?.close(true).catch(() => {})]);
  }

  private client(): Admin {
    this.admin ??= new Admin({
      ...connectionOptions(this.options),
      timeout: this.requestTimeoutMs,
      retries: 3,
      retryDelay: 100,
    });
    return this.admin;
  }

  private readerClient(): Reader {
    this.reader ??= new PlatformaticConsumer({
      ...connectionOptions(this.options),
      // Never joined: only its group-less Fetch is used.
      groupId: 'eventyard-reader',
      timeout: this.requestTimeoutMs,
      retries: 3,
      retryDelay: 100,
    });
    return this.reader;
  }

  /** The partition indexes of `topic` (cached metadata: what was just asked for). */
  private async partitionsOf(admin: Admin, topic: string): Promise<number[]> {
    const metadata = await admin.metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    return Array.from({ length: count }, (_, i) => i);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
