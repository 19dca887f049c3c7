import type { Consumer, EventLog, StoredRecord } from '@eventyard/log';
import { failpoint } from './failpoints.ts';
import { OffsetTracker } from './offset-tracker.ts';
import { PartitionFeeder } from './partition-feeder.ts';
import type { DispatcherLogger } from './types.ts';

export interface TopicReaderOptions {
  log: EventLog;
  logger: DispatcherLogger;
  group: string;
  topic: string;
  maxBatchSize: number;
  /** Handles one record; it must track it in `reader.offsets` before returning. */
  process(record: StoredRecord): void;
  /** True while records must wait (backpressure). */
  blocked(): boolean;
}

/**
 * One consumer of one topic with its offset tracking: records are fed one by one (with
 * backpressure) and only the contiguous prefix of finished records is committed, on `commit()`
 * (called on an interval) and when partitions are revoked or the reader closes.
 */
export class TopicReader {
  readonly topic: string;
  readonly offsets = new OffsetTracker();
  readonly feeder: PartitionFeeder;
  readonly #options: TopicReaderOptions;
  readonly #assigned = new Set<number>();
  #consumer: Consumer | undefined;
  #committing: Promise<void> = Promise.resolve();

  constructor(options: TopicReaderOptions) {
    this.#options = options;
    this.topic = options.topic;
    this.feeder = new PartitionFeeder(options.process, options.blocked);
  }

  /**
   * Starts consuming. A group with no committed offset starts at the earliest record, not the
   * latest (unlike the Kafka broker's new trigger groups): one group serves every trigger of the
   * broker, and an event accepted before the dispatcher first started must not be skipped.
   */
  async open(): Promise<void> {
    const { log, group, topic, maxBatchSize } = this.#options;
    this.#consumer = await log.consume({
      group,
      topic,
      start: 'earliest',
      maxBatchSize,
      onBatch: async (batch) => this.feeder.onBatch(batch),
      onAssign: (partitions) => {
        for (const partition of partitions) this.#assigned.add(partition);
      },
      onRevoke: async (partitions) => {
        await this.commit();
        for (const partition of partitions) {
          this.#assigned.delete(partition);
          this.offsets.drop(partition);
          this.feeder.drop(partition);
        }
      },
    });
    this.feeder.attach(this.#consumer);
  }

  /** Commits every partition whose finished prefix moved. Never rejects (failures are logged and retried next time). */
  commit(): Promise<void> {
    this.#committing = this.#committing.then(() => this.#commitNow());
    return this.#committing;
  }

  async #commitNow(): Promise<void> {
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    for (const { partition, offset } of this.offsets.pending()) {
      try {
        failpoint('commit');
        await consumer.commit(partition, offset);
        this.offsets.committed(partition, offset);
      } catch (error) {
        this.#options.logger.warn(
          { err: error, topic: this.topic, partition, offset },
          'offset commit failed',
        );
      }
    }
  }

  /** Stops feeding and fetching: held records are dropped and partitions paused (stop). */
  halt(): void {
    this.feeder.close();
    if (this.#consumer !== undefined) for (const partition of this.#assigned) this.#consumer.pause(partition);
  }

  /** Commits what is finished and closes the consumer. */
  async close(): Promise<void> {
    this.halt();
    await this.commit();
    await this.#consumer?.close();
    this.#consumer = undefined;
  }
}
