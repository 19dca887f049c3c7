import type { ConnectionOptions } from 'node:tls';
import type { EventyardError } from '@eventyard/core';
import type { SASLOptions } from 'kafkajs';
import type { Consumer } from '../types.ts';

/** What the Kafka log logs through; a pino logger fits as it is. */
export interface KafkaLogLogger {
  error(details: object, message?: string): void;
  warn(details: object, message?: string): void;
  info(details: object, message?: string): void;
  debug(details: object, message?: string): void;
}

export interface KafkaConsumerSettings {
  /**
   * Kafka `session.timeout.ms`: a member silent this long is dropped from its group, and its
   * partitions move. It is also how long a consumer that lost its broker waits to rejoin after the
   * broker restarts (the group still lists its old member id until then). Heartbeats continue
   * during long batches, so this only has to cover pauses of the process itself. Default 15 000.
   */
  sessionTimeoutMs?: number;
  /**
   * Kafka static membership (KIP-345, `group.instance.id`): a stable name of this process, unique
   * among the members of its groups (a pod name). A process restarted with the same name takes its
   * partitions back at once, without waiting `sessionTimeoutMs` for its old member to expire and
   * without a rebalance of the other members. Only the platformatic client supports it.
   */
  groupInstanceId?: string;
  /** How often a member heartbeats (and so how soon it notices a rebalance). Default 1 000. */
  heartbeatIntervalMs?: number;
  /** How long members get to rejoin during a rebalance. Default 60 000. */
  rebalanceTimeoutMs?: number;
  /**
   * Longest wait of one fetch for new records (Kafka `fetch.max.wait.ms`). With kafkajs it also
   * bounds how soon a resumed partition (after backpressure, or a full prefetch buffer) is fetched
   * again, since kafkajs sleeps this long when every partition is paused. Default 100.
   */
  maxWaitTimeMs?: number;
}

/** The Kafka client the log runs on: appends, consumer groups, topics and offsets. */
export type KafkaClientName = 'kafkajs' | 'platformatic';

export interface KafkaLogOptions {
  /** Bootstrap servers, `host:port`. */
  brokers: string[];
  /**
   * The client: `platformatic` (@platformatic/kafka, the default) or `kafkajs`, for everything the
   * log does. Both keep the same contract (appends idempotent, acks=all, Kafka's partitioner, one
   * request in flight; consumer groups with the same assignment protocol, so members on either
   * client can share a group) and pass the same suites.
   */
  client?: KafkaClientName;
  /** Kafka client id (broker logs, quotas). Default 'eventyard'. */
  clientId?: string;
  /**
   * An append that is not acknowledged (acks=all) within this time rejects with
   * EY_LOG_UNAVAILABLE, so callers answer 503 instead of hanging. Default 5 000 ms.
   */
  appendTimeoutMs?: number;
  /** Upper bound on every other broker round trip (metadata, offsets, commits, reads). Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** TLS towards the brokers: `true`, or Node TLS options. */
  ssl?: boolean | ConnectionOptions;
  sasl?: SASLOptions;
  consumer?: KafkaConsumerSettings;
  /** Where the Kafka client's own log lines go. Without one, the client is silent. */
  logger?: KafkaLogLogger;
  /** Verbosity of the Kafka client towards `logger`. Default 'warn'. */
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** Errors of background work that have no caller to reject (a failed onBatch, a consumer restart). */
  onError?: (error: EventyardError) => void;
}

/** One `consume()` call, on either client (internal: what the log keeps per group and topic). */
export interface GroupConsumer extends Consumer {
  readonly group: string;
  readonly topic: string;
  /** Joins the group; resolves once the first assignment was handed to `onAssign`. */
  start(): Promise<void>;
}
