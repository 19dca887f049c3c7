/**
 * The two requests kafkajs' public API lacks, sent through its internal cluster client:
 *
 * - Fetch without a consumer group, for `read()`. The public consumer must join a group first,
 *   which costs a rebalance (and the broker's `group.initial.rebalance.delay.ms`, 3 s by default)
 *   per read and leaves a group behind.
 * - OffsetCommit with generation -1 and no member id, for `setCommittedOffsets()`: what Kafka's
 *   AdminClient.alterConsumerGroupOffsets sends. The broker accepts it only while the group has no
 *   members. kafkajs' `admin.setOffsets` instead joins the group with a temporary consumer and
 *   returns only after that consumer's first (long-polling) fetch.
 *
 * kafkajs 2.x builds every client from `Kafka[private:Kafka:createCluster]`; the Cluster and
 * Broker methods used here are the ones its own admin and consumer call. kafkajs is pinned to the
 * 2.2 line in package.json, and the conformance suite covers both paths.
 */
import { EventyardError } from '@eventyard/core';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface FetchedPartition {
  partition: number;
  errorCode: number;
  highWatermark: string;
  messages: Array<KafkaMessage & { isControlRecord?: boolean }>;
}

export interface InternalBroker {
  fetch(request: {
    replicaId?: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{
      topic: string;
      partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }>;
    }>;
  }): Promise<{ responses: Array<{ topicName: string; partitions: FetchedPartition[] }> }>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
  }): Promise<unknown>;
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(node: { nodeId: string }): Promise<InternalBroker>;
  findGroupCoordinator(group: { groupId: string }): Promise<InternalBroker>;
}

/** Kafka's READ_COMMITTED isolation level: never show records of aborted transactions. */
export const READ_COMMITTED = 1;

type CreateCluster = (options: {
  allowAutoTopicCreation: boolean;
  isolationLevel: number;
}) => InternalCluster;

export function createInternalCluster(kafka: Kafka): InternalCluster {
  const key = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const create = key === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[key];
  if (typeof create !== 'function') {
    throw new EventyardError(
      'EY_INTERNAL',
      'this kafkajs version has no internal cluster client; the Kafka log needs kafkajs 2.2',
    );
  }
  return (create as CreateCluster)({ allowAutoTopicCreation: false, isolationLevel: READ_COMMITTED });
}
