/**
 * A consumer of one topic for one group. It owns every partition of the topic (one process), and
 * per partition delivers batches in offset order, one at a time: the next batch is read only
 * after the previous `onBatch` promise settled. Waiting partitions are woken by appends in this
 * process at once and by a slow poll for appends from elsewhere.
 */
import type { EventyardError } from '@eventyard/core';
import { invalidArgument, logClosed, partitionNotFound } from '../errors.ts';
import type { ConsumeOptions, Consumer, RecordBatch, StoredRecord } from '../types.ts';
import type { TopicMeta } from './types.ts';

/** What a consumer needs from the log that created it. */
export interface ConsumerHost {
  readBatch(topic: TopicMeta, partition: number, from: number, maxRecords: number): StoredRecord[];
  commitOffset(group: string, topic: TopicMeta, partition: number, offset: number): void;
  listen(topic: string, listener: (touched: Uint8Array) => void): () => void;
  reportError(error: unknown, message: string): EventyardError;
  /** Called once the consumer is closed, to release its group claim. */
  released(consumer: EmbeddedConsumer): void;
  pollIntervalMs: number;
}

interface PartitionState {
  /** Next offset to hand over. */
  position: number;
  paused: boolean;
  inFlight: boolean;
  /** Bumped by `seek`, so a failed batch does not rewind over a newer seek. */
  seeks: number;
  /** True when the last read found nothing: only an append, the poll or a seek wakes it. */
  idle: boolean;
}

/** After `onBatch` rejects, the same records are offered again after this pause. */
const REDELIVERY_DELAY_MS = 1_000;

export class EmbeddedConsumer implements Consumer {
  readonly group: string;
  readonly topic: TopicMeta;
  private readonly host: ConsumerHost;
  private readonly options: ConsumeOptions;
  private readonly maxBatchSize: number;
  private readonly parts: PartitionState[];
  private readonly all: number[];
  private state: 'created' | 'running' | 'closing' | 'closed' = 'created';
  private readonly inFlight = new Set<Promise<void>>();
  private readonly dirty: Uint8Array;
  private flushScheduled = false;
  private unlisten: (() => void) | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(host: ConsumerHost, topic: TopicMeta, options: ConsumeOptions, positions: number[]) {
    this.host = host;
    this.topic = topic;
    this.group = options.group;
    this.options = options;
    this.maxBatchSize = options.maxBatchSize ?? 500;
    if (!Number.isInteger(this.maxBatchSize) || this.maxBatchSize < 1) {
      throw invalidArgument(`maxBatchSize must be a positive integer, got ${options.maxBatchSize}`);
    }
    this.parts = positions.map((position) => ({
      position,
      paused: false,
      inFlight: false,
      seeks: 0,
      idle: false,
    }));
    this.all = positions.map((_, i) => i);
    this.dirty = new Uint8Array(topic.partitions);
  }

  /** Starts fetching every partition; called once `onAssign` has run. */
  start(): void {
    if (this.state !== 'created') return;
    this.state = 'running';
    this.unlisten = this.host.listen(this.topic.name, this.onAppend);
    this.pollTimer = setInterval(this.onPoll, this.host.pollIntervalMs);
    this.pollTimer.unref();
    for (const p of this.all) this.schedule(p);
  }

  get partitions(): number[] {
    return [...this.all];
  }

  async commit(partition: number, offset: number): Promise<void> {
    if (this.state === 'closed') throw logClosed(`the consumer of group "${this.group}"`);
    this.check(partition);
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw invalidArgument(`offset must be a non-negative integer, got ${offset}`);
    }
    this.host.commitOffset(this.group, this.topic, partition, offset);
  }

  pause(partition: number): void {
    this.check(partition);
    this.parts[partition]!.paused = true;
  }

  resume(partition: number): void {
    this.check(partition);
    const part = this.parts[partition]!;
    if (!part.paused) return;
    part.paused = false;
    this.schedule(partition);
  }

  seek(partition: number, offset: number): void {
    this.check(partition);
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw invalidArgument(`offset must be a non-negative integer, got ${offset}`);
    }
    const part = this.parts[partition]!;
    part.position = offset;
    part.seeks++;
    this.schedule(partition);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = 'closing';
    this.unlisten?.();
    clearInterval(this.pollTimer);
    try {
      // Settled, never rejected: a failed batch must not stop the revoke.
      while (this.inFlight.size > 0) await Promise.all(this.inFlight);
      await this.options.onRevoke?.([...this.all]);
    } finally {
      this.state = 'closed';
      this.host.released(this);
    }
  }

  private check(partition: number): void {
    if (!Number.isInteger(partition) || partition < 0 || partition >= this.parts.length) {
      throw partitionNotFound(this.topic.name, partition, this.parts.length);
    }
  }

  private readonly onAppend = (touched: Uint8Array): void => {
    for (let p = 0; p < touched.length; p++) if (touched[p] === 1 && this.parts[p]!.idle) this.schedule(p);
  };

  private readonly onPoll = (): void => {
    for (let p = 0; p < this.parts.length; p++) if (this.parts[p]!.idle) this.schedule(p);
  };

  /** Marks a partition for a fetch on the next turn of the event loop (coalescing wake-ups). */
  private schedule(partition: number): void {
    this.dirty[partition] = 1;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    for (let p = 0; p < this.dirty.length; p++) {
      if (this.dirty[p] === 0) continue;
      this.dirty[p] = 0;
      this.fetch(p);
    }
  };

  private fetch(partition: number): void {
    const part = this.parts[partition]!;
    if (this.state !== 'running' || part.paused || part.inFlight) return;
    let records: StoredRecord[];
    try {
      records = this.host.readBatch(this.topic, partition, part.position, this.maxBatchSize);
    } catch (error) {
      // The poll tries again; the error goes to the log's error sink.
      part.idle = true;
      this.host.reportError(error, `cannot read partition ${partition} of topic "${this.topic.name}"`);
      return;
    }
    if (records.length === 0) {
      part.idle = true;
      return;
    }
    part.idle = false;
    const from = part.position;
    const seeks = part.seeks;
    part.position = records[records.length - 1]!.offset + 1;
    part.inFlight = true;
    const batch: RecordBatch = { topic: this.topic.name, partition, records };
    const delivery = this.deliver(batch).then((failure) => {
      part.inFlight = false;
      this.inFlight.delete(delivery);
      if (failure === undefined) {
        this.schedule(partition);
        return;
      }
      // At-least-once: offer the same records again unless the caller moved the position since.
      if (part.seeks === seeks) part.position = from;
      this.host.reportError(
        failure,
        `onBatch failed for partition ${partition} of topic "${this.topic.name}"`,
      );
      setTimeout(() => this.schedule(partition), REDELIVERY_DELAY_MS).unref();
    });
    this.inFlight.add(delivery);
  }

  /** Runs `onBatch`; resolves with its error instead of rejecting. */
  private async deliver(batch: RecordBatch): Promise<unknown> {
    try {
      await this.options.onBatch(batch);
      return undefined;
    } catch (error) {
      return error ?? new Error('onBatch rejected');
    }
  }
}
