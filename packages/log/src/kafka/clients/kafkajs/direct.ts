/**
 * Requests that involve no consumer group membership: reading a partition from an offset, and
 * overwriting a group's committed offsets while the group is empty. See cluster.ts for why these
 * go through kafkajs' internal cluster client.
 */
import type { Kafka } from 'kafkajs';
import { groupActive } from '../../../errors.ts';
import type { StoredRecord } from '../../../types.ts';
import {
  createInternalCluster,
  type InternalBroker,
  type InternalCluster,
  READ_COMMITTED,
} from './cluster.ts';
import { kafkaErrorType } from './errors.ts';
import { LazyConnection } from './lazy-connection.ts';
import { toStoredRecord } from './records.ts';

/** Bytes asked for per fetch; Kafka still returns a first record batch larger than this (KIP-74). */
const FETCH_BYTES = 1024 * 1024;

/** Errors after which fresh metadata (a new leader or coordinator) is worth one more try. */
const STALE_METADATA = new Set([
  'NOT_LEADER_OR_FOLLOWER',
  'NOT_LEADER_FOR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
]);

/** What Kafka answers to a member-less commit while the group has live members. */
const GROUP_BUSY = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS']);

const ATTEMPTS = 4;

export class DirectClient {
  private readonly cluster: LazyConnection<InternalCluster>;

  constructor(kafka: Kafka) {
    this.cluster = new LazyConnection(() => createInternalCluster(kafka));
  }

  /**
   * Up to `maxRecords` records of one partition from `fromOffset` (clamped to the oldest record
   * still stored), stopping at the high watermark.
   */
  async read(
    topic: string,
    partition: number,
    fromOffset: number,
    maxRecords: number,
    startOffset: () => Promise<number>,
  ): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    let offset = fromOffset;
    await this.attempt(async (cluster) => {
      await cluster.addTargetTopic(topic);
      while (out.length < maxRecords) {
        const broker = await leaderOf(cluster, topic, partition);
        let fetched: Awaited<ReturnType<InternalBroker['fetch']>>;
        try {
          fetched = await broker.fetch({
            isolationLevel: READ_COMMITTED,
            maxWaitTime: 0,
            minBytes: 0,
            maxBytes: FETCH_BYTES,
            topics: [
              { topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: FETCH_BYTES }] },
            ],
          });
        } catch (error) {
          if (kafkaErrorType(error) !== 'OFFSET_OUT_OF_RANGE') throw error;
          // Below the oldest record (retention deleted it): start there. Beyond the end: done.
          const start = await startOffset();
          if (offset >= start) return;
          offset = start;
          continue;
        }
        const data = fetched.responses[0]?.partitions[0];
        const messages = data?.messages ?? [];
        if (messages.length === 0) return;
        for (const message of messages) {
          // A fetch returns whole record batches, so the first may begin before `offset`; control
          // records (transaction markers) are no records of ours.
          if (message.isControlRecord || Number(message.offset) < offset) continue;
          out.push(toStoredRecord(topic, partition, message));
          if (out.length >= maxRecords) return;
        }
        offset = Number(messages[messages.length - 1]!.offset) + 1;
        if (offset >= Number(data?.highWatermark ?? 0)) return;
      }
    });
    return out;
  }

  /** Commits offsets for a group with no live member (generation -1, as Kafka's admin client does). */
  async commitOffsets(
    group: string,
    topic: string,
    offsets: Array<{ partition: number; offset: number }>,
  ): Promise<void> {
    try {
      await this.attempt(async (cluster) => {
        const coordinator = await cluster.findGroupCoordinator({ groupId: group });
        await coordinator.offsetCommit({
          groupId: group,
          groupGenerationId: -1,
          memberId: '',
          topics: [
            {
              topic,
              partitions: offsets.map(({ partition, offset }) => ({ partition, offset: String(offset) })),
            },
          ],
        });
      });
    } catch (error) {
      if (GROUP_BUSY.has(kafkaErrorType(error) ?? ''))
        throw groupActive(group, topic, 'set committed offsets');
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.cluster.close();
  }

  /** Runs `work`, again after a metadata refresh when a leader or coordinator moved. */
  private async attempt(work: (cluster: InternalCluster) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const cluster = await this.cluster.get();
      try {
        await work(cluster);
        return;
      } catch (error) {
        const type = kafkaErrorType(error);
        if (attempt < ATTEMPTS && type !== undefined && STALE_METADATA.has(type)) {
          await sleep(100 * attempt);
          await cluster.refreshMetadata().catch(() => {});
          continue;
        }
        if (type === undefined) this.cluster.discard(cluster); // connection trouble: reconnect next time
        throw error;
      }
    }
  }
}

async function leaderOf(cluster: InternalCluster, topic: string, partition: number): Promise<InternalBroker> {
  const leaders = cluster.findLeaderForPartitions(topic, [partition]);
  const nodeId = Object.keys(leaders)[0];
  if (nodeId === undefined) {
    throw Object.assign(new Error(`no leader for partition ${partition} of topic "${topic}"`), {
      type: 'LEADER_NOT_AVAILABLE',
    });
  }
  return cluster.findBroker({ nodeId });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
