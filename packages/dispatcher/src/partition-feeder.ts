import type { Consumer, RecordBatch, StoredRecord } from '@eventyard/log';
import { Deque } from './deque.ts';

/**
 * Feeds a consumer's records, one at a time in offset order per partition, to `process` while
 * `blocked()` is false. When it turns true (a trigger queue or the retry buffer is full) the rest
 * of the batch is held and the partition paused, so the log keeps the backlog and memory stays
 * bounded by one batch per partition; `resume()` continues where it stopped. `onBatch` never waits
 * on deliveries, so a Kafka consumer keeps heartbeating and rebalances are never held up.
 */
export class PartitionFeeder {
  readonly #process: (record: StoredRecord) => void;
  readonly #blocked: () => boolean;
  readonly #held = new Map<number, Deque<StoredRecord>>();
  readonly #paused = new Set<number>();
  #consumer: Consumer | undefined;
  #feeding = false;
  #resumeRequested = false;
  #closed = false;

  constructor(process: (record: StoredRecord) => void, blocked: () => boolean) {
    this.#process = process;
    this.#blocked = blocked;
  }

  /** The consumer to pause and resume, once `consume` returned it. */
  attach(consumer: Consumer): void {
    this.#consumer = consumer;
    for (const partition of this.#paused) consumer.pause(partition);
  }

  onBatch(batch: RecordBatch): void {
    if (this.#closed) return;
    let held = this.#held.get(batch.partition);
    if (held === undefined) {
      held = new Deque(batch.records.length);
      this.#held.set(batch.partition, held);
    }
    for (const record of batch.records) held.push(record);
    this.#feed(batch.partition, held);
  }

  /** Continues paused partitions (a full queue drained). */
  resume(): void {
    if (this.#closed) return;
    if (this.#feeding) {
      this.#resumeRequested = true;
      return;
    }
    for (const partition of [...this.#paused]) {
      if (this.#blocked()) return;
      const held = this.#held.get(partition);
      if (held !== undefined) this.#feed(partition, held);
      if (held === undefined || held.length === 0) {
        this.#paused.delete(partition);
        this.#consumer?.resume(partition);
      }
    }
  }

  /** Forgets a revoked partition: its held records were never tracked and are read again by its next owner. */
  drop(partition: number): void {
    this.#held.delete(partition);
    this.#paused.delete(partition);
  }

  /** Stops feeding for good (stop): held records are dropped, uncommitted. */
  close(): void {
    this.#closed = true;
    this.#held.clear();
    if (this.#consumer !== undefined) for (const partition of this.#paused) this.#consumer.pause(partition);
  }

  /** Partitions currently paused for backpressure. */
  get paused(): ReadonlySet<number> {
    return this.#paused;
  }

  #feed(partition: number, held: Deque<StoredRecord>): void {
    this.#feeding = true;
    try {
      while (held.length > 0 && !this.#blocked() && !this.#closed) this.#process(held.shift()!);
    } finally {
      this.#feeding = false;
    }
    if (held.length > 0 && !this.#paused.has(partition)) {
      this.#paused.add(partition);
      this.#consumer?.pause(partition);
    }
    if (this.#resumeRequested) {
      this.#resumeRequested = false;
      this.resume();
    }
  }
}
