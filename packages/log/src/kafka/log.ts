/**
 * The EventLog on Apache Kafka, through kafkajs: one idempotent producer (acks=all) for appends,
 * one admin client for topics and offsets, one group consumer per `consume()` call, and
 * group-less requests for `read()` and `setCommittedOffsets()` (see cluster.ts).
 *
 * Every operation has a deadline (appends: `appendTimeoutMs`, the rest: `requestTimeoutMs`) and
 * fails with EY_LOG_UNAVAILABLE when Kafka does not answer in time; clients are rebuilt after
 * connection failures, so the log recovers by itself when Kafka comes back.
 */
import type { EventyardError } from '@eventyard/core';
import type { Admin, Kafka } from 'kafkajs';
import { groupActive, invalidArgument, logClosed, partitionNotFound, topicNotFound } from '../errors.ts';
import { PlatformaticAppender } from '../kafka-platformatic/index.ts';
import type {
  AppendResult,
  ConsumeOptions,
  Consumer,
  EventLog,
  LogRecord,
  StoredRecord,
  TopicSpec,
} from '../types.ts';
import { createKafka } from './client.ts';
import { type ConsumerHost, KafkaLogConsumer } from './consumer.ts';
import { DirectClient } from './direct.ts';
import { isUnknownTopic, kafkaErrorType, timedOut, toLogError, withDeadline } from './errors.ts';
import { Appender, type RecordAppender } from './producer.ts';
import type { KafkaLogOptions } from './types.ts';

const DEFAULT_APPEND_TIMEOUT_MS = 5_000;
/**
 * @platformatic/kafka appends at about twice the throughput of kafkajs for half the CPU per record
 * (bench/RESULTS.md, benchmarks 1, 2 and 8) and passes the same suites; kafkajs stays selectable.
 */
const DEFAULT_CLIENT = 'platformatic';
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Opens a Kafka-backed EventLog. Connections are made lazily; nothing is contacted here. */
export async function openKafkaLog(options: KafkaLogOptions): Promise<EventLog> {
  if (!Array.isArray(options.brokers) || options.brokers.length === 0 || options.brokers.some((b) => !b)) {
    throw invalidArgument('the Kafka log needs at least one broker (host:port)');
  }
  if (options.client !== undefined && options.client !== 'kafkajs' && options.client !== 'platformatic') {
    throw invalidArgument(`client must be kafkajs or platformatic, got ${String(options.client)}`);
  }
  for (const field of ['appendTimeoutMs', 'requestTimeoutMs'] as const) {
    const value = options[field];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw invalidArgument(`${field} must be a positive integer (ms), got ${value}`);
    }
  }
  return new KafkaEventLog(options);
}

class KafkaEventLog implements EventLog {
  readonly kind = 'kafka' as const;
  private readonly options: KafkaLogOptions;
  private readonly appendTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly kafka: Kafka;
  private readonly appender: RecordAppender;
  private readonly direct: DirectClient;
  private admin: { client: Admin; ready: Promise<Admin> } | undefined;
  /** Partition counts of topics known to exist (a topic's partitions only ever grow). */
  private readonly topics = new Map<string, number>();
  /** Live consumers by group and topic: one per pair in this process, as the contract says. */
  private readonly consumers = new Map<string, KafkaLogConsumer>();
  private readonly consumerHost: ConsumerHost;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: KafkaLogOptions) {
    this.options = options;
    this.appendTimeoutMs = options.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.kafka = createKafka(options, this.requestTimeoutMs);
    const onUnknownTopic = (topic: string) => this.topics.delete(topic);
    this.appender =
      (options.client ?? DEFAULT_CLIENT) === 'platformatic'
        ? new PlatformaticAppender({
            options,
            appendTimeoutMs: this.appendTimeoutMs,
            partitionsOf: (topic) => this.topics.get(topic),
            onUnknownTopic,
          })
        : new Appender({ kafka: this.kafka, appendTimeoutMs: this.appendTimeoutMs, onUnknownTopic });
    this.direct = new DirectClient(this.kafka);
    this.consumerHost = {
      newKafka: () => createKafka(this.options, this.requestTimeoutMs),
      requestTimeoutMs: this.requestTimeoutMs,
      settings: options.consumer ?? {},
      reportError: (error, message) => this.report(error, message),
      released: (consumer) => {
        const key = claimKey(consumer.group, consumer.topic);
        if (this.consumers.get(key) === consumer) this.consumers.delete(key);
      },
    };
  }

  async ensureTopic(spec: TopicSpec): Promise<void> {
    this.assertOpen();
    validateSpec(spec);
    if (this.topics.has(spec.name)) return;
    await this.withAdmin(`cannot create topic "${spec.name}"`, this.requestTimeoutMs, async (admin) => {
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
        timeout: this.requestTimeoutMs,
        topics: [
          {
            topic: spec.name,
            numPartitions: spec.partitions,
            replicationFactor: spec.replicationFactor ?? Math.max(1, Math.min(3, brokers)),
            configEntries,
          },
        ],
      });
    });
    await this.partitions(spec.name);
  }

  async partitions(topic: string): Promise<number | undefined> {
    this.assertOpen();
    return this.lookup(topic, this.requestTimeoutMs);
  }

  /** Partition count from Kafka's metadata (undefined: no such topic), cached while the topic exists. */
  private async lookup(topic: string, timeoutMs: number): Promise<number | undefined> {
    const count = await this.withAdmin(`cannot describe topic "${topic}"`, timeoutMs, async (admin) => {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        return topics.find((t) => t.name === topic)?.partitions.length;
      } catch (error) {
        if (isUnknownTopic(error)) return undefined;
        throw error;
      }
    });
    if (count === undefined || count === 0) {
      this.topics.delete(topic);
      return undefined;
    }
    this.topics.set(topic, count);
    return count;
  }

  async append(topic: string, records: LogRecord[]): Promise<AppendResult[]> {
    this.assertOpen();
    if (!this.topics.has(topic)) {
      // The one lookup per topic counts against the append's own deadline.
      const started = Date.now();
      await this.requireTopic(topic, this.appendTimeoutMs);
      if (records.length === 0) return [];
      return this.appender.append(topic, records, Math.max(1, this.appendTimeoutMs - (Date.now() - started)));
    }
    if (records.length === 0) return [];
    return this.appender.append(topic, records, this.appendTimeoutMs);
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    this.assertOpen();
    if (typeof options.group !== 'string' || options.group === '') {
      throw invalidArgument('a consumer needs a non-empty group');
    }
    const partitions = await this.requireTopic(options.topic);
    const key = claimKey(options.group, options.topic);
    if (this.consumers.has(key)) throw groupActive(options.group, options.topic, 'start a consumer');
    const consumer = new KafkaLogConsumer(this.consumerHost, options, partitions);
    this.consumers.set(key, consumer);
    await consumer.start();
    if (this.closed) {
      await consumer.close();
      throw logClosed();
    }
    return consumer;
  }

  async endOffsets(topic: string): Promise<number[]> {
    return (await this.bounds(topic)).map((b) => b.high);
  }

  async startOffsets(topic: string): Promise<number[]> {
    return (await this.bounds(topic)).map((b) => b.low);
  }

  async committedOffsets(group: string, topic: string): Promise<Array<number | null>> {
    this.assertOpen();
    const partitions = await this.requireTopic(topic);
    const out = new Array<number | null>(partitions).fill(null);
    const result = await this.withAdmin(
      `cannot read the offsets of group "${group}"`,
      this.requestTimeoutMs,
      (admin) => admin.fetchOffsets({ groupId: group, topics: [topic] }),
      topic,
    );
    for (const { partition, offset } of result.find((t) => t.topic === topic)?.partitions ?? []) {
      // Kafka answers -1 for a partition the group never committed.
      const value = Number(offset);
      if (value >= 0) out[partition] = value;
    }
    return out;
  }

  async setCommittedOffsets(
    group: string,
    topic: string,
    offsets: Array<{ partition: number; offset: number }>,
  ): Promise<void> {
    this.assertOpen();
    await this.requireTopic(topic);
    if (this.consumers.has(claimKey(group, topic))) throw groupActive(group, topic, 'set committed offsets');
    for (const { partition, offset } of offsets) {
      await this.requirePartition(topic, partition);
      checkOffset(offset);
    }
    if (offsets.length === 0) return;
    await this.deadline(
      this.direct.commitOffsets(group, topic, offsets),
      `cannot set the offsets of group "${group}"`,
      this.requestTimeoutMs,
      topic,
    );
  }

  async read(
    topic: string,
    partition: number,
    fromOffset: number,
    maxRecords: number,
  ): Promise<StoredRecord[]> {
    this.assertOpen();
    await this.requirePartition(topic, partition);
    checkOffset(fromOffset);
    if (maxRecords <= 0) return [];
    return this.deadline(
      this.direct.read(topic, partition, fromOffset, maxRecords, async () => {
        return (await this.bounds(topic))[partition]?.low ?? 0;
      }),
      `cannot read partition ${partition} of topic "${topic}"`,
      this.requestTimeoutMs,
      topic,
    );
  }

  async writable(): Promise<boolean> {
    if (this.closed) return false;
    try {
      await withDeadline(this.appender.connected(), this.appendTimeoutMs, () =>
        timedOut('connecting the producer', this.appendTimeoutMs),
      );
      // Metadata of one topic in use (cheaper than the whole cluster's), or of the cluster.
      const [topic] = this.topics.keys();
      await this.withAdmin(
        'cannot reach Kafka',
        this.appendTimeoutMs,
        async (admin) => {
          if (topic === undefined) await admin.describeCluster();
          else await admin.fetchTopicMetadata({ topics: [topic] });
        },
        topic, // a topic deleted meanwhile leaves the cache, and the next probe uses another
      );
      return true;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    // Consumers finish their batches and revoke (committing) while the clients still work.
    for (const consumer of [...this.consumers.values()]) {
      try {
        await consumer.close();
      } catch (error) {
        this.report(error, `closing the consumer of group "${consumer.group}" failed`);
      }
    }
    const admin = this.admin;
    this.admin = undefined;
    await Promise.all([
      this.appender.close(),
      this.direct.close(),
      admin?.client.disconnect().catch(() => {}),
    ]);
  }

  private assertOpen(): void {
    if (this.closed) throw logClosed();
  }

  private report(error: unknown, message: string): EventyardError {
    const coded = toLogError(error, message);
    if (this.options.onError !== undefined) this.options.onError(coded);
    else this.options.logger?.error({ err: coded, code: coded.code }, coded.message);
    return coded;
  }

  /** Partition count of `topic`; EY_TOPIC_NOT_FOUND when it does not exist. */
  private async requireTopic(topic: string, timeoutMs = this.requestTimeoutMs): Promise<number> {
    if (typeof topic !== 'string' || topic === '')
      throw invalidArgument('a topic name must be a non-empty string');
    const known = this.topics.get(topic) ?? (await this.lookup(topic, timeoutMs));
    if (known === undefined) throw topicNotFound(topic);
    return known;
  }

  /** EY_TOPIC_NOT_FOUND unless `partition` exists (asking Kafka again before saying no: topics grow). */
  private async requirePartition(topic: string, partition: number): Promise<void> {
    const partitions = await this.requireTopic(topic);
    if (Number.isInteger(partition) && partition >= partitions && partition >= 0) {
      const current = await this.lookup(topic, this.requestTimeoutMs);
      if (current === undefined) throw topicNotFound(topic);
      checkPartition(topic, partition, current);
      return;
    }
    checkPartition(topic, partition, partitions);
  }

  /** Low and high watermark per partition (index = partition). */
  private async bounds(topic: string): Promise<Array<{ low: number; high: number }>> {
    this.assertOpen();
    const partitions = await this.requireTopic(topic);
    const offsets = await this.withAdmin(
      `cannot read the offsets of topic "${topic}"`,
      this.requestTimeoutMs,
      (admin) => admin.fetchTopicOffsets(topic),
      topic,
    );
    const out = Array.from({ length: Math.max(partitions, offsets.length) }, () => ({ low: 0, high: 0 }));
    for (const o of offsets) out[o.partition] = { low: Number(o.low), high: Number(o.high) };
    return out;
  }

  /** Runs `work` with the connected admin client, within `timeoutMs`. */
  private async withAdmin<T>(
    what: string,
    timeoutMs: number,
    work: (admin: Admin) => Promise<T>,
    topic?: string,
  ): Promise<T> {
    const started = Date.now();
    const admin = await this.deadline(this.connectedAdmin(), what, timeoutMs);
    const remaining = Math.max(1, timeoutMs - (Date.now() - started));
    try {
      return await withDeadline(work(admin), remaining, () =>
        timedOut(what, remaining, topic === undefined ? undefined : { topic }),
      );
    } catch (error) {
      if (isUnknownTopic(error)) {
        if (topic !== undefined) this.topics.delete(topic);
      } else if (kafkaErrorType(error) === undefined) {
        // A protocol error is an answer; anything else (connection, timeout) gets a new client.
        this.discardAdmin(admin);
      }
      throw toLogError(error, what, topic);
    }
  }

  private connectedAdmin(): Promise<Admin> {
    if (this.admin === undefined) {
      const client = this.kafka.admin({ retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 5 } });
      const entry = {
        client,
        ready: client.connect().then(
          () => client,
          (error: unknown) => {
            this.discardAdmin(client);
            throw error;
          },
        ),
      };
      entry.ready.catch(() => {});
      this.admin = entry;
    }
    return this.admin.ready;
  }

  private discardAdmin(client: Admin): void {
    if (this.admin?.client !== client) return;
    this.admin = undefined;
    client.disconnect().catch(() => {});
  }

  /** `promise` within `timeoutMs`, failures as coded errors. */
  private async deadline<T>(
    promise: Promise<T>,
    what: string,
    timeoutMs: number,
    topic?: string,
  ): Promise<T> {
    try {
      return await withDeadline(promise, timeoutMs, () =>
        timedOut(what, timeoutMs, topic === undefined ? undefined : { topic }),
      );
    } catch (error) {
      throw toLogError(error, what, topic);
    }
  }
}

function claimKey(group: string, topic: string): string {
  return `${group}\u0000${topic}`;
}

function validateSpec(spec: TopicSpec): void {
  if (typeof spec.name !== 'string' || spec.name === '')
    throw invalidArgument('a topic needs a non-empty name');
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
    throw invalidArgument(
      `topic "${spec.name}": partitions must be a positive integer, got ${spec.partitions}`,
    );
  }
  if (
    spec.replicationFactor !== undefined &&
    !(Number.isInteger(spec.replicationFactor) && spec.replicationFactor > 0)
  ) {
    throw invalidArgument(
      `topic "${spec.name}": replicationFactor must be a positive integer, got ${spec.replicationFactor}`,
    );
  }
  for (const field of ['retentionMs', 'retentionBytes'] as const) {
    const value = spec[field];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw invalidArgument(`topic "${spec.name}": ${field} must be a non-negative integer, got ${value}`);
    }
  }
}

function checkPartition(topic: string, partition: number, partitions: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
    throw partitionNotFound(topic, partition, partitions);
  }
}

function checkOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw invalidArgument(`offset must be a non-negative integer, got ${offset}`);
  }
}
