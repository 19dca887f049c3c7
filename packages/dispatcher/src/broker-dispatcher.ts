import {
  type BrokerEntry,
  createFilterInput,
  type LogRecord,
  type TriggerEntry,
  TriggerIndex,
} from '@eventyard/core';
import type { StoredRecord } from '@eventyard/log';
import type { DispatchContext } from './context.ts';
import { deadLetter } from './dead-letter.ts';
import { EventEnvelope } from './envelope.ts';
import { failpoint } from './failpoints.ts';
import { consumerLag } from './lag.ts';
import { bindTriggerMetrics, type DispatchMetrics } from './metrics.ts';
import type { PartitionOffsets } from './offset-tracker.ts';
import { createJobRunner } from './pipeline.ts';
import { type RetryInfo, readRetryInfo } from './retry-record.ts';
import { RetryScheduler } from './retry-scheduler.ts';
import { sleep } from './sleep.ts';
import { TopicReader } from './topic-reader.ts';
import { type DeliveryJob, type JobRunner, TriggerQueue, type TriggerQueueHooks } from './trigger-queue.ts';

export interface BrokerDispatcherSettings {
  group: string;
  queueCapacity: number;
  retryBufferCapacity: number;
  maxBatchSize: number;
  commitIntervalMs: number;
  lagIntervalMs: number;
}

/**
 * The consumer group of one broker in one dispatcher deployment (DESIGN.md: one group per broker
 * per deployment), named after the broker's topic, which is unique in its Kafka cluster. A group per
 * broker keeps brokers apart: a process joining or leaving for one broker never rebalances, and so
 * never re-delivers, another broker's partitions, even when two deployments use the same broker
 * names with different topic templates on one Kafka.
 */
export function brokerGroup(group: string, broker: { topic: string }): string {
  return `${group}.${broker.topic}`;
}

/**
 * The retry topic is read by a group of its own: were it a second member of the main group, its
 * joining would rebalance the main topic's consumer and re-deliver whatever was not committed yet.
 */
export function brokerRetryGroup(group: string, broker: { topic: string }): string {
  return `${brokerGroup(group, broker)}.retry`;
}

/** A retry read from the retry topic, waiting until due. */
interface WaitingRetry {
  envelope: EventEnvelope;
  info: RetryInfo;
  orderKey: string;
  ticket: { finishOne(): void };
}

/** Header naming why a record that is not a CloudEvent was moved to the dead-letter topic. */
const UNREADABLE_HEADER = 'eyr_error';

/**
 * Everything the dispatcher does for one broker: one reader of the broker topic that decodes and
 * matches each record once and hands it to the matched triggers' queues; one reader of the retry
 * topic that holds retries until due; offset commits of both; the lag metric.
 */
export class BrokerDispatcher {
  #broker: BrokerEntry;
  /** Every trigger of this broker in the Contract, ready or not (dead letters look up their sinks here). */
  #entries = new Map<string, TriggerEntry>();
  /** Triggers delivered to: ready, with a filter and a subscriber. */
  #triggers = new Map<string, TriggerQueue>();
  #index = new TriggerIndex<TriggerQueue>([]);
  /** Retired triggers with deliveries still in flight, and other background work, awaited by stop(). */
  readonly #background = new Set<Promise<void>>();
  #blocked = 0;
  #stopping = false;
  readonly #abort = new AbortController();
  readonly #context: DispatchContext;
  readonly #settings: BrokerDispatcherSettings;
  readonly #metrics: DispatchMetrics;
  readonly #runner: JobRunner;
  readonly #hooks: TriggerQueueHooks;
  readonly #main: TopicReader;
  readonly #retry: TopicReader;
  readonly #scheduler: RetryScheduler<WaitingRetry>;
  #commitTimer: NodeJS.Timeout | undefined;
  #lagTimer: NodeJS.Timeout | undefined;
  /** Order keys of records without a key: their partition, as strings built once. */
  readonly #partitionKeys: string[] = [];

  constructor(
    shared: Omit<DispatchContext, 'stop'>,
    settings: BrokerDispatcherSettings,
    metrics: DispatchMetrics,
    broker: BrokerEntry,
  ) {
    this.#broker = broker;
    this.#settings = settings;
    this.#metrics = metrics;
    this.#context = { ...shared, stop: this.#abort.signal };
    this.#runner = createJobRunner(this.#context, () => this.#broker);
    this.#hooks = {
      run: this.#runner,
      onBlocked: () => {
        this.#blocked++;
      },
      onUnblocked: () => {
        if (--this.#blocked === 0) this.#main.feeder.resume();
      },
    };
    this.#main = new TopicReader({
      log: shared.log,
      logger: shared.logger,
      group: brokerGroup(settings.group, broker),
      topic: broker.topic,
      maxBatchSize: settings.maxBatchSize,
      process: (record) => this.#processMain(record),
      blocked: () => this.#blocked > 0,
    });
    this.#retry = new TopicReader({
      log: shared.log,
      logger: shared.logger,
      group: brokerRetryGroup(settings.group, broker),
      topic: broker.retryTopic,
      maxBatchSize: settings.maxBatchSize,
      process: (record) => this.#processRetry(record),
      blocked: () => this.#scheduler.full,
    });
    this.#scheduler = new RetryScheduler<WaitingRetry>(
      settings.retryBufferCapacity,
      shared.now,
      (retry) => this.#due(retry),
      () => this.#retry.feeder.resume(),
    );
  }

  get broker(): BrokerEntry {
    return this.#broker;
  }

  /** True when `entry` needs a new reader (its topics changed) rather than an update. */
  needsRestart(entry: BrokerEntry): boolean {
    const current = this.#broker;
    return (
      entry.topic !== current.topic ||
      entry.retryTopic !== current.retryTopic ||
      entry.deadLetterTopic !== current.deadLetterTopic
    );
  }

  /** Creates the broker's topics when missing and starts both readers. */
  async start(): Promise<void> {
    const { log } = this.#context;
    const broker = this.#broker;
    const replication =
      broker.replicationFactor === undefined ? {} : { replicationFactor: broker.replicationFactor };
    try {
      for (const name of [broker.topic, broker.retryTopic, broker.deadLetterTopic]) {
        await log.ensureTopic({ name, partitions: broker.partitions, ...replication });
      }
      await this.#main.open();
      await this.#retry.open();
    } catch (error) {
      // Whatever started is stopped; nothing read is committed unless it was finished.
      await this.stop(0);
      throw error;
    }
    this.#commitTimer = setInterval(() => void this.#commit(), this.#settings.commitIntervalMs);
    this.#commitTimer.unref();
    this.#lagTimer = setInterval(() => void this.#measureLag(), this.#settings.lagIntervalMs);
    this.#lagTimer.unref();
    void this.#measureLag();
    this.#context.logger.info(
      { broker: broker.key, topic: broker.topic, triggers: this.#triggers.size },
      'dispatching broker',
    );
  }

  /**
   * Swaps the trigger set without touching the readers: new triggers get a queue, changed ones
   * keep theirs (the next attempts use the new subscriber and delivery), removed or no longer
   * ready ones are retired — what they had waiting is skipped, except retries, which are
   * dead-lettered so a retry is never lost.
   */
  update(broker: BrokerEntry, triggers: readonly TriggerEntry[]): void {
    this.#broker = broker;
    const entries = new Map<string, TriggerEntry>();
    const next = new Map<string, TriggerQueue>();
    for (const entry of triggers) {
      entries.set(entry.key, entry);
      if (!deliverable(entry)) continue;
      const existing = this.#triggers.get(entry.key);
      try {
        if (existing !== undefined) {
          existing.update(entry);
          next.set(entry.key, existing);
        } else {
          const metrics = bindTriggerMetrics(this.#metrics, entry.namespace, entry.broker, entry.name);
          next.set(entry.key, new TriggerQueue(entry, metrics, this.#settings.queueCapacity, this.#hooks));
        }
      } catch (error) {
        this.#context.logger.error(
          { err: error, trigger: entry.key },
          'trigger not dispatched: its subscriber URL is invalid',
        );
      }
    }
    this.#entries = entries;
    const previous = this.#triggers;
    this.#triggers = next;
    this.#index = new TriggerIndex(
      [...next.values()].map((queue) => ({ value: queue, filter: queue.entry.filter! })),
    );
    for (const [key, queue] of previous) {
      if (next.get(key) !== queue) this.#retire(queue);
    }
  }

  /** Stops reading, waits up to `timeoutMs` for deliveries in flight, commits, closes the readers. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#commitTimer);
    clearInterval(this.#lagTimer);
    this.#main.halt();
    this.#retry.halt();
    this.#scheduler.close();
    // Waiting events are not finished: they stay uncommitted and are read again on restart.
    for (const queue of this.#triggers.values()) {
      queue.retire();
      this.#track(queue.settled());
    }
    this.#triggers.clear();
    const settled = this.#settled();
    const cancel = new AbortController();
    const finished = await Promise.race([
      settled.then(() => true),
      sleep(timeoutMs, cancel.signal).then(() => false),
    ]);
    cancel.abort();
    if (!finished) {
      this.#context.logger.warn(
        { broker: this.#broker.key, timeoutMs },
        'deliveries still in flight at stop are abandoned; their events will be delivered again',
      );
      this.#abort.abort();
      await settled;
    }
    await this.#main.close();
    await this.#retry.close();
    for (const topic of [this.#broker.topic, this.#broker.retryTopic]) {
      this.#metrics.lag.remove({ namespace: this.#broker.namespace, broker: this.#broker.name, topic });
    }
    this.#context.logger.info({ broker: this.#broker.key }, 'broker dispatch stopped');
  }

  async #settled(): Promise<void> {
    while (this.#background.size > 0) await Promise.all(this.#background);
  }

  #track(work: Promise<void>): void {
    const tracked = work.finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }

  #retire(queue: TriggerQueue): void {
    for (const job of queue.retire()) {
      if (job.attempt > 1) this.#deadLetterOrphan(job, queue.key);
      else job.ticket.finishOne();
    }
    if (queue.inFlight > 0) this.#track(queue.settled());
  }

  readonly #onFilterError = (queue: TriggerQueue): void => queue.metrics.filterError();

  /**
   * A record of the broker topic: decoded once, matched once, queued to every matching trigger.
   * No exception leaves here (DESIGN.md: a hostile event never stops the others): a record that
   * cannot be decoded or matched is moved to the dead-letter topic with the reason; a trigger whose
   * queue refuses it dead-letters that one delivery; and whatever else throws before the record was
   * tracked moves it to the dead-letter topic too, so its offset is never committed unhandled.
   */
  #processMain(record: StoredRecord): void {
    const offsets = this.#main.offsets.partition(record.partition);
    try {
      this.#dispatchMain(record, offsets);
    } catch (error) {
      this.#context.logger.error(
        { err: error, topic: record.topic, partition: record.partition, offset: record.offset },
        'dispatching a record failed unexpectedly',
      );
      if (!offsets.tracked(record.offset)) {
        this.#quarantine(record, offsets.track(record.offset, 1), `dispatch failed: ${messageOf(error)}`);
      }
    }
  }

  #dispatchMain(record: StoredRecord, offsets: PartitionOffsets): void {
    let envelope: EventEnvelope;
    try {
      failpoint('decode');
      envelope = EventEnvelope.fromRecord(record, this.#context.now());
    } catch (error) {
      this.#quarantine(record, offsets.track(record.offset, 1), messageOf(error));
      return;
    }
    let matched: TriggerQueue[];
    try {
      failpoint('match');
      matched = this.#index.match(createFilterInput(envelope.event), this.#onFilterError);
    } catch (error) {
      this.#quarantine(record, offsets.track(record.offset, 1), `matching failed: ${messageOf(error)}`);
      return;
    }
    const ticket = offsets.track(record.offset, matched.length);
    if (matched.length === 0) return;
    const orderKey = record.key ?? this.#partitionKey(record.partition);
    for (let i = 0; i < matched.length; i++) {
      const queue = matched[i]!;
      const job: DeliveryJob = { envelope, attempt: 1, orderKey, ticket };
      try {
        failpoint('enqueue');
        queue.enqueue(job);
      } catch (error) {
        this.#context.logger.error(
          { err: error, trigger: queue.key, id: envelope.event.attributes.id },
          'queueing a delivery failed; the event is dead-lettered for this trigger',
        );
        this.#deadLetterJob(job, queue.key, `queueing the delivery failed: ${messageOf(error)}`);
      }
    }
  }

  /** A record of the retry topic: held in the delay queue until due. Never throws, as #processMain. */
  #processRetry(record: StoredRecord): void {
    const offsets = this.#retry.offsets.partition(record.partition);
    try {
      this.#holdRetry(record, offsets);
    } catch (error) {
      this.#context.logger.error(
        { err: error, topic: record.topic, partition: record.partition, offset: record.offset },
        'reading a retry failed unexpectedly',
      );
      if (!offsets.tracked(record.offset)) {
        this.#quarantine(record, offsets.track(record.offset, 1), `retry failed: ${messageOf(error)}`);
      }
    }
  }

  #holdRetry(record: StoredRecord, offsets: PartitionOffsets): void {
    const ticket = offsets.track(record.offset, 1);
    try {
      const info = readRetryInfo(record);
      if (typeof info === 'string') {
        this.#quarantine(record, ticket, info);
        return;
      }
      failpoint('decode');
      const envelope = EventEnvelope.fromRecord(record, this.#context.now());
      const orderKey = record.key ?? this.#partitionKey(record.partition);
      this.#scheduler.add(info.due, { envelope, info, orderKey, ticket });
    } catch (error) {
      this.#quarantine(record, ticket, messageOf(error));
    }
  }

  /** A retry is due: back into its trigger's queue, or dead-lettered when the trigger is gone. */
  #due(retry: WaitingRetry): void {
    const queue = this.#triggers.get(retry.info.trigger);
    const job: DeliveryJob = {
      envelope: retry.envelope,
      attempt: retry.info.attempt,
      orderKey: retry.orderKey,
      ticket: retry.ticket,
    };
    if (queue === undefined || queue.retired) {
      this.#deadLetterOrphan(job, retry.info.trigger);
      return;
    }
    try {
      queue.enqueue(job);
    } catch (error) {
      this.#context.logger.error(
        { err: error, trigger: queue.key, id: job.envelope.event.attributes.id },
        'queueing a retry failed; the event is dead-lettered for this trigger',
      );
      this.#deadLetterJob(job, queue.key, `queueing the retry failed: ${messageOf(error)}`);
    }
  }

  /** A retry whose trigger no longer exists or is not ready: dead-lettered with the reason. */
  #deadLetterOrphan(job: DeliveryJob, triggerKey: string): void {
    const entry = this.#entries.get(triggerKey);
    const reason =
      entry === undefined
        ? `trigger ${triggerKey} no longer exists`
        : `trigger ${triggerKey} is not ready${entry.status.reason ? ` (${entry.status.reason}${entry.status.message ? `: ${entry.status.message}` : ''})` : ''}`;
    this.#deadLetterJob(job, triggerKey, reason);
  }

  /** Gives up on one delivery without attempting it (again): dead-lettered with the reason. */
  #deadLetterJob(job: DeliveryJob, triggerKey: string, reason: string): void {
    const entry = this.#entries.get(triggerKey);
    const broker = this.#broker;
    const work = deadLetter(this.#context, {
      broker,
      envelope: job.envelope,
      trigger: triggerKey,
      subscriberUri: entry?.subscriberUri,
      delivery: entry?.delivery ?? broker.delivery,
      attempts: job.attempt - 1,
      failure: { code: undefined, data: undefined, reason },
    }).then((outcome) => {
      if (outcome === 'abandoned') return;
      this.#metrics.deadLetters.inc({
        namespace: entry?.namespace ?? broker.namespace,
        broker: broker.name,
        trigger: entry?.name ?? triggerKey.slice(triggerKey.indexOf('/') + 1),
        destination: outcome,
      });
      job.ticket.finishOne();
    });
    this.#track(work);
  }

  /**
   * A record that is not a CloudEvent (written by another tool): moved as it is to the dead-letter
   * topic with the reason in a header, so it is neither delivered nor lost.
   */
  #quarantine(record: StoredRecord, ticket: { finishOne(): void }, reason: string): void {
    const context = this.#context;
    const topic = this.#broker.deadLetterTopic;
    const copy: LogRecord = {
      key: record.key,
      value: record.value,
      headers: {
        ...record.headers,
        [UNREADABLE_HEADER]: `${record.topic}/${record.partition}/${record.offset}: ${reason}`,
      },
    };
    context.logger.warn(
      { topic: record.topic, partition: record.partition, offset: record.offset, reason },
      'record is not a CloudEvent; moved to the dead-letter topic',
    );
    const work = context.appender
      .appendDurably(topic, [copy], context.stop, (error) =>
        context.logger.error({ err: error, topic }, 'cannot write to the log; trying again'),
      )
      .then((stored) => {
        if (stored) ticket.finishOne();
      });
    this.#track(work);
  }

  #partitionKey(partition: number): string {
    let key = this.#partitionKeys[partition];
    if (key === undefined) {
      key = `\u0000partition-${partition}`;
      this.#partitionKeys[partition] = key;
    }
    return key;
  }

  async #commit(): Promise<void> {
    await this.#main.commit();
    await this.#retry.commit();
  }

  async #measureLag(): Promise<void> {
    const { log, logger } = this.#context;
    const broker = this.#broker;
    const readers = [
      { topic: broker.topic, group: brokerGroup(this.#settings.group, broker) },
      { topic: broker.retryTopic, group: brokerRetryGroup(this.#settings.group, broker) },
    ];
    for (const { topic, group } of readers) {
      try {
        const lag = await consumerLag(log, group, topic);
        if (!this.#stopping)
          this.#metrics.lag.set({ namespace: broker.namespace, broker: broker.name, topic }, lag);
      } catch (error) {
        logger.debug({ err: error, topic }, 'consumer lag not measured');
      }
    }
  }
}

/** Knative delivers only to Ready triggers; ours also need a compiled filter and a resolved subscriber. */
function deliverable(entry: TriggerEntry): boolean {
  return entry.status.ready && entry.filter !== undefined && entry.subscriberUri !== undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
