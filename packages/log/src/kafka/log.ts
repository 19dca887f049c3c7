/**
 * The EventLog on Apache Kafka, through one of two clients (`client`: @platformatic/kafka, the
 * default, or kafkajs; see clients/): one idempotent producer (acks=all) for appends (appender.ts),
 * one admin client for topics, offsets and group-less reads (admin.ts), and one group consumer per
 * `consume()` call.
 *
 * Every operation has a deadline (appends: `appendTimeoutMs`, the rest: `requestTimeoutMs`) and
 * fails with EY_LOG_UNAVAILABLE when Kafka does not answer in time; clients are rebuilt after
 * connection failures, so the log recovers by itself when Kafka comes back.
 */
import { type EventyardError, isEventyardError } from '@eventyard/core';
import { groupActive, invalidArgument, logClosed, partitionNotFound, topicNotFound } from '../errors.ts';
import type {
  AppendResult,
  ConsumeOptions,
  Consumer,
  EventLog,
  LogRecord,
  StoredRecord,
  TopicSpec,
} from '../types.ts';
import type { LogAdmin } from './admin.ts';
import { Appender, type ProducerClient } from './appender.ts';
import type { ClientKit, ClientKitHost } from './client-kit.ts';
import { timedOut, toLogError, withDeadline } from './errors.ts';
import type { GroupConsumer, KafkaLogOptions } from './types.ts';

const DEFAULT_APPEND_TIMEOUT_MS = 5_000;
/**
 * @platformatic/kafka appends at about twice the throughput of kafkajs for half the CPU per record
 * (bench/RESULTS.md, benchmarks 1, 2 and 8), consumes at about half the CPU per record, and passes
 * the same suites; kafkajs stays selectable.
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
  const instanceId = options.consumer?.groupInstanceId;
  if (instanceId !== undefined) {
    if ((options.client ?? DEFAULT_CLIENT) !== 'platformatic') {
      throw invalidArgument('a group instance id (static membership) needs the platformatic client');
    }
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(instanceId)) {
      throw invalidArgument(
        `a group instance id is 1-249 letters, digits, '.', '_' or '-', got "${instanceId}"`,
      );
    }
  }
  for (const field of ['appendTimeoutMs', 'requestTimeoutMs'] as const) {
    const value = options[field];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw invalidArgument(`${field} must be a positive integer (ms), got ${value}`);
    }
  }
  // Only the chosen client is loaded: each is a large module graph (@platformatic/kafka alone is
  // ~50 MB of a process's resident memory), and a process uses one.
  const { openClientKit } =
    (options.client ?? DEFAULT_CLIENT) === 'platformatic'
      ? await import('./clients/platformatic/kit.ts')
      : await import('./clients/kafkajs/kit.ts');
  return new KafkaEventLog(options, openClientKit);
}

class KafkaEventLog implements EventLog {
  readonly kind = 'kafka' as const;
  private readonly options: KafkaLogOptions;
  private readonly appendTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly appender: Appender;
  private readonly admin: LogAdmin;
  /** Partition counts of topics known to exist (a topic's partitions only ever grow). */
  private readonly topics = new Map<string, number>();
  /** Live consumers by group and topic: one per pair in this process, as the contract says. */
  private readonly consumers = new Map<string, GroupConsumer>();
  private readonly newConsumer: (options: ConsumeOptions, partitions: number) => GroupConsumer;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: KafkaLogOptions, openClientKit: (host: ClientKitHost) => ClientKit) {
    this.options = options;
    this.appendTimeoutMs = options.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const requestTimeoutMs = this.requestTimeoutMs;
    const released = (consumer: GroupConsumer) => {
      const key = claimKey(consumer.group, consumer.topic);
      if (this.consumers.get(key) === consumer) this.consumers.delete(key);
    };
    const reportError = (error: unknown, message: string) => this.report(error, message);
    const settings = options.consumer ?? {};
    const kit = openClientKit({ options, requestTimeoutMs, settings, reportError, released });
    const producers: ProducerClient = kit.producers(this.appendTimeoutMs);
    this.admin = kit.admin;
    this.newConsumer = kit.newConsumer;
    this.appender = new Appender({
      client: producers,
      appendTimeoutMs: this.appendTimeoutMs,
      onUnknownTopic: (topic) => this.topics.delete(topic),
    });
  }

  async ensureTopic(spec: TopicSpec): Promise<void> {
    this.assertOpen();
    validateSpec(spec);
    if (this.topics.has(spec.name)) return;
    await this.withAdmin(`cannot create topic "${spec.name}"`, this.requestTimeoutMs, (admin) =>
      admin.createTopic(spec, this.requestTimeoutMs),
    );
    await this.partitions(spec.name);
  }

  async partitions(topic: string): Promise<number | undefined> {
    this.assertOpen();
    return this.lookup(topic, this.requestTimeoutMs);
  }

  /** Partition count from Kafka's metadata (undefined: no such topic), cached while the topic exists. */
  private async lookup(topic: string, timeoutMs: number): Promise<number | undefined> {
    const count = await this.withAdmin(`cannot describe topic "${topic}"`, timeoutMs, (admin) =>
      admin.partitionCount(topic),
    );
    if (count === undefined || count === 0) {
      this.topics.delete(topic);
      return undefined;
    }
    this.topics.set(topic, count);
    return count;
  }

  async append(topic: string, records: LogRecord[]): Promise<AppendResult[]> {
    this.assertOpen();
    const partitions = this.topics.get(topic);
    if (partitions === undefined) {
      // The one lookup per topic counts against the append's own deadline.
      const started = Date.now();
      const found = await this.requireTopic(topic, this.appendTimeoutMs);
      if (records.length === 0) return [];
      const remaining = Math.max(1, this.appendTimeoutMs - (Date.now() - started));
      return this.appender.append(topic, found, records, remaining);
    }
    if (records.length === 0) return [];
    return this.appender.append(topic, partitions, records, this.appendTimeoutMs);
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    this.assertOpen();
    if (typeof options.group !== 'string' || options.group === '') {
      throw invalidArgument('a consumer needs a non-empty group');
    }
    const partitions = await this.requireTopic(options.topic);
    const key = claimKey(options.group, options.topic);
    if (this.consumers.has(key)) throw groupActive(options.group, options.topic, 'start a consumer');
    const consumer = this.newConsumer(options, partitions);
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
      (admin) => admin.committedOffsets(group, topic),
      topic,
    );
    for (const { partition, offset } of result) {
      // Kafka answers -1 for a partition the group never committed.
      if (offset >= 0 && partition < partitions) out[partition] = offset;
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
    await this.withAdmin(
      `cannot set the offsets of group "${group}"`,
      this.requestTimeoutMs,
      (admin) => admin.setCommittedOffsets(group, topic, offsets),
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
    return this.withAdmin(
      `cannot read partition ${partition} of topic "${topic}"`,
      this.requestTimeoutMs,
      (admin) =>
        admin.read(topic, partition, fromOffset, maxRecords, async () => {
          return (await this.bounds(topic))[partition]?.low ?? 0;
        }),
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
        (admin) => admin.probe(topic),
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
    await Promise.all([this.appender.close(), this.admin.close()]);
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
      (admin) => admin.watermarks(topic),
      topic,
    );
    const out = Array.from({ length: Math.max(partitions, offsets.length) }, () => ({ low: 0, high: 0 }));
    for (const o of offsets) out[o.partition] = { low: o.low, high: o.high };
    return out;
  }

  /** Runs `work` with the admin client, within `timeoutMs`, failures as coded errors. */
  private async withAdmin<T>(
    what: string,
    timeoutMs: number,
    work: (admin: LogAdmin) => Promise<T>,
    topic?: string,
  ): Promise<T> {
    const admin = this.admin;
    try {
      return await withDeadline(work(admin), timeoutMs, () =>
        timedOut(what, timeoutMs, topic === undefined ? undefined : { topic }),
      );
    } catch (error) {
      if (admin.isUnknownTopic(error)) {
        if (topic === undefined) throw toLogError(error, what);
        this.topics.delete(topic);
        throw topicNotFound(topic);
      }
      // A protocol error (or one of ours, like EY_GROUP_ACTIVE) is an answer; anything else
      // (connection trouble, a deadline) gets a new client.
      const answered =
        admin.isKafkaAnswer(error) || (isEventyardError(error) && error.code !== 'EY_LOG_UNAVAILABLE');
      if (!answered) admin.reset();
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
