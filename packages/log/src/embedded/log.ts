/**
 * The embedded event log: a durable, partitioned log with consumer groups in one SQLite file,
 * for running Eventyard on one machine without Kafka. See `schema.ts` for the durability model.
 */
import { existsSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type EventyardError, isEventyardError } from '@eventyard/core';
import {
  groupActive,
  invalidArgument,
  logClosed,
  logUnavailable,
  partitionNotFound,
  topicNotFound,
} from '../errors.ts';
import { keyBytes, murmur2, toPositive } from '../partitioner.ts';
import type {
  AppendResult,
  ConsumeOptions,
  Consumer,
  EventLog,
  LogRecord,
  StoredRecord,
  TopicSpec,
} from '../types.ts';
import { decodeRow, encodeHeaders, recordSize } from './codec.ts';
import { type ConsumerHost, EmbeddedConsumer } from './consumer.ts';
import { Hub } from './hub.ts';
import { applyRetention } from './retention.ts';
import { prepareDatabase } from './schema.ts';
import { prepareStatements, type Statements } from './statements.ts';
import type { EmbeddedLogOptions, TopicMeta } from './types.ts';

/** Name of the database file inside the log directory. */
export const DATABASE_FILE = 'eventyard-log.db';

/** Upper bound on the bytes of one consumer batch, so a few huge records cannot stall the loop. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

/** Per-topic scratch space for `append`, allocated once per topic instead of once per call. */
interface AppendScratch {
  next: Float64Array;
  added: Float64Array;
  touched: Uint8Array;
  /** Partition for the unkeyed records of the next call (sticky per call, rotating). */
  spread: number;
}

export async function openEmbeddedLog(options: EmbeddedLogOptions): Promise<EventLog> {
  const dir = resolve(options.dir);
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw logUnavailable(`cannot create the event log directory ${dir}: ${(error as Error).message}`, error, {
      path: dir,
    });
  }
  const file = join(await realpath(dir), DATABASE_FILE);
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file);
    prepareDatabase(db, file);
    const statements = prepareStatements(db);
    // Fail now, not at the first event, when the file cannot be written.
    statements.begin.run();
    statements.rollback.run();
    return new EmbeddedLog(db, statements, file, options);
  } catch (error) {
    if (db?.isOpen) db.close();
    if (isEventyardError(error)) throw error;
    throw logUnavailable(`cannot open the event log at ${file}: ${(error as Error).message}`, error, {
      path: file,
    });
  }
}

class EmbeddedLog implements EventLog {
  readonly kind = 'embedded' as const;
  private readonly db: DatabaseSync;
  private readonly s: Statements;
  private readonly file: string;
  private readonly clock: () => number;
  private readonly onError: ((error: EventyardError) => void) | undefined;
  private readonly hub: Hub;
  private readonly topics = new Map<string, TopicMeta>();
  private readonly scratch = new Map<number, AppendScratch>();
  private readonly consumers = new Set<EmbeddedConsumer>();
  private readonly retentionTimer: NodeJS.Timeout;
  private readonly host: ConsumerHost;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(db: DatabaseSync, statements: Statements, file: string, options: EmbeddedLogOptions) {
    this.db = db;
    this.s = statements;
    this.file = file;
    const clock = options.clock ?? Date.now;
    // Whole milliseconds: the columns are STRICT INTEGER.
    this.clock = options.clock === undefined ? Date.now : () => Math.trunc(clock());
    this.onError = options.onError;
    this.hub = Hub.acquire(file);
    this.host = {
      readBatch: (topic, partition, from, max) =>
        this.readRecords(topic, partition, from, max, MAX_BATCH_BYTES),
      commitOffset: (group, topic, partition, offset) =>
        this.writeOffsets(group, topic, [{ partition, offset }]),
      listen: (topic, listener) => this.hub.listen(topic, listener),
      reportError: (error, message) => this.report(error, message),
      released: (consumer) => {
        this.consumers.delete(consumer);
        this.hub.unclaim(consumer.group, consumer.topic.name);
      },
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
    };
    // Retention runs on open (a log reopened after a long stop is trimmed before anyone reads)
    // and then periodically.
    this.retain();
    this.retentionTimer = setInterval(() => this.retain(), options.retentionCheckIntervalMs ?? 60_000);
    this.retentionTimer.unref();
  }

  async ensureTopic(spec: TopicSpec): Promise<void> {
    this.assertOpen();
    validateSpec(spec);
    if (this.topic(spec.name) !== undefined) return;
    const s = this.s;
    this.transaction(`cannot create topic "${spec.name}"`, () => {
      const inserted = s.insertTopic.run(
        spec.name,
        spec.partitions,
        spec.retentionMs ?? null,
        spec.retentionBytes ?? null,
        this.clock(),
      );
      if (inserted.changes === 0) return; // created meanwhile through another handle
      const topicId = Number(inserted.lastInsertRowid);
      for (let p = 0; p < spec.partitions; p++) s.insertPartition.run(topicId, p);
    });
  }

  async partitions(topic: string): Promise<number | undefined> {
    this.assertOpen();
    return this.topic(topic)?.partitions;
  }

  async append(topic: string, records: LogRecord[]): Promise<AppendResult[]> {
    this.assertOpen();
    const meta = this.requireTopic(topic);
    const count = records.length;
    if (count === 0) return [];
    const n = meta.partitions;
    const scratch = this.scratchOf(meta);
    const { next, added, touched } = scratch;
    touched.fill(0);
    // Unkeyed records of one call stay together on one partition (like Kafka's sticky
    // partitioner, KIP-480), and successive calls rotate over the partitions.
    const spread = scratch.spread;
    scratch.spread = (spread + 1) % n;
    const timestamp = this.clock();
    const results = new Array<AppendResult>(count);
    const s = this.s;
    this.transaction(`cannot append to topic "${topic}"`, () => {
      for (let i = 0; i < count; i++) {
        const record = records[i]!;
        // `undefined` from untyped callers counts as absent, like kafkajs treats it.
        const key = record.key === null || record.key === undefined ? null : keyBytes(checkKey(record.key));
        const value = checkValue(record.value);
        const partition = key === null ? spread : toPositive(murmur2(key)) % n;
        if (touched[partition] === 0) {
          touched[partition] = 1;
          next[partition] = s.partitionNext.get(meta.id, partition)!.next_offset as number;
          added[partition] = 0;
        }
        const offset = next[partition]!;
        next[partition] = offset + 1;
        const headers = encodeHeaders(record.headers);
        const size = recordSize(key, value, headers);
        added[partition]! += size;
        s.insertRecord.run(meta.id, partition, offset, timestamp, key, value, headers, size);
        results[i] = { partition, offset };
      }
      for (let p = 0; p < n; p++) {
        if (touched[p] === 1) s.partitionAdvance.run(next[p]!, added[p]!, meta.id, p);
      }
    });
    this.hub.notify(topic, touched);
    return results;
  }

  async consume(options: ConsumeOptions): Promise<Consumer> {
    this.assertOpen();
    const meta = this.requireTopic(options.topic);
    if (typeof options.group !== 'string' || options.group === '') {
      throw invalidArgument('a consumer needs a non-empty group');
    }
    if (!this.hub.claim(options.group, meta.name))
      throw groupActive(options.group, meta.name, 'start a consumer');
    let consumer: EmbeddedConsumer;
    try {
      const committed = this.committed(options.group, meta);
      const bounds = this.bounds(meta);
      const latest = options.start === 'latest';
      const positions = committed.map((offset, p) => offset ?? (latest ? bounds.end[p]! : bounds.start[p]!));
      consumer = new EmbeddedConsumer(this.host, meta, options, positions);
    } catch (error) {
      this.hub.unclaim(options.group, meta.name);
      throw error;
    }
    this.consumers.add(consumer);
    try {
      await options.onAssign?.(consumer.partitions);
    } catch (error) {
      this.consumers.delete(consumer);
      this.hub.unclaim(options.group, meta.name);
      throw error;
    }
    if (this.closed) {
      await consumer.close();
      throw logClosed();
    }
    consumer.start();
    return consumer;
  }

  async endOffsets(topic: string): Promise<number[]> {
    this.assertOpen();
    return this.bounds(this.requireTopic(topic)).end;
  }

  async startOffsets(topic: string): Promise<number[]> {
    this.assertOpen();
    return this.bounds(this.requireTopic(topic)).start;
  }

  async committedOffsets(group: string, topic: string): Promise<Array<number | null>> {
    this.assertOpen();
    return this.committed(group, this.requireTopic(topic));
  }

  async setCommittedOffsets(
    group: string,
    topic: string,
    offsets: Array<{ partition: number; offset: number }>,
  ): Promise<void> {
    this.assertOpen();
    const meta = this.requireTopic(topic);
    if (this.hub.claimed(group, meta.name)) throw groupActive(group, meta.name, 'set committed offsets');
    for (const { partition, offset } of offsets) {
      checkPartition(meta, partition);
      checkOffset(offset);
    }
    this.writeOffsets(group, meta, offsets);
  }

  async read(
    topic: string,
    partition: number,
    fromOffset: number,
    maxRecords: number,
  ): Promise<StoredRecord[]> {
    this.assertOpen();
    const meta = this.requireTopic(topic);
    checkPartition(meta, partition);
    checkOffset(fromOffset);
    if (maxRecords <= 0) return [];
    return this.readRecords(meta, partition, fromOffset, maxRecords, Number.POSITIVE_INFINITY);
  }

  async writable(): Promise<boolean> {
    if (this.closed || !this.db.isOpen || !existsSync(this.file)) return false;
    try {
      // Takes the write lock and releases it: fails when the file cannot be written.
      this.s.begin.run();
      this.s.rollback.run();
      return true;
    } catch {
      if (this.db.isTransaction) this.s.rollback.run();
      return false;
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.retentionTimer);
    // Consumers finish their batches and revoke (committing) while the database is still open.
    for (const consumer of [...this.consumers]) {
      try {
        await consumer.close();
      } catch (error) {
        this.report(error, `closing the consumer of group "${consumer.group}" failed`);
      }
    }
    this.hub.release();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw logClosed();
  }

  private report(error: unknown, message: string): EventyardError {
    const coded = isEventyardError(error)
      ? error
      : logUnavailable(`${message}: ${(error as Error)?.message}`, error);
    this.onError?.(coded);
    return coded;
  }

  /** Runs `work` in one write transaction; SQLite failures become EY_LOG_UNAVAILABLE. */
  private transaction(message: string, work: () => void): void {
    try {
      this.s.begin.run();
      work();
      this.s.commit.run();
    } catch (error) {
      if (this.db.isOpen && this.db.isTransaction) {
        try {
          this.s.rollback.run();
        } catch {
          // The transaction is gone already (SQLite rolls back itself on some I/O errors).
        }
      }
      if (isEventyardError(error)) throw error;
      throw logUnavailable(`${message} in ${this.file}: ${(error as Error).message}`, error, {
        path: this.file,
      });
    }
  }

  private retain(): void {
    if (this.closed) return;
    try {
      applyRetention(this.db, this.s, this.clock());
    } catch (error) {
      this.report(error, `retention failed in ${this.file}`);
    }
  }

  private topic(name: string): TopicMeta | undefined {
    const cached = this.topics.get(name);
    if (cached !== undefined) return cached;
    const row = this.read0(() => this.s.topicByName.get(name));
    if (row === undefined) return undefined;
    const meta: TopicMeta = {
      id: row.id as number,
      name,
      partitions: row.partitions as number,
      retentionMs: row.retention_ms as number | null,
      retentionBytes: row.retention_bytes as number | null,
    };
    this.topics.set(name, meta);
    return meta;
  }

  private requireTopic(name: string): TopicMeta {
    const meta = this.topic(name);
    if (meta === undefined) throw topicNotFound(name);
    return meta;
  }

  private scratchOf(meta: TopicMeta): AppendScratch {
    let scratch = this.scratch.get(meta.id);
    if (scratch === undefined) {
      const n = meta.partitions;
      scratch = {
        next: new Float64Array(n),
        added: new Float64Array(n),
        touched: new Uint8Array(n),
        spread: Math.floor(Math.random() * n),
      };
      this.scratch.set(meta.id, scratch);
    }
    return scratch;
  }

  private bounds(meta: TopicMeta): { start: number[]; end: number[] } {
    const rows = this.read0(() => this.s.partitionOffsets.all(meta.id) as unknown as unknown[][]);
    return { start: rows.map((r) => r[0] as number), end: rows.map((r) => r[1] as number) };
  }

  private committed(group: string, meta: TopicMeta): Array<number | null> {
    const out = new Array<number | null>(meta.partitions).fill(null);
    const rows = this.read0(() => this.s.groupOffsets.all(group, meta.id) as unknown as unknown[][]);
    for (const row of rows) out[row[0] as number] = row[1] as number;
    return out;
  }

  private writeOffsets(
    group: string,
    meta: TopicMeta,
    offsets: Array<{ partition: number; offset: number }>,
  ): void {
    if (!this.db.isOpen) throw logClosed();
    const now = this.clock();
    this.transaction(`cannot commit offsets of group "${group}"`, () => {
      for (const { partition, offset } of offsets) {
        this.s.upsertGroupOffset.run(group, meta.id, partition, offset, now);
      }
    });
  }

  private readRecords(
    meta: TopicMeta,
    partition: number,
    from: number,
    maxRecords: number,
    maxBytes: number,
  ): StoredRecord[] {
    const out: StoredRecord[] = [];
    this.read0(() => {
      let bytes = 0;
      for (const row of this.s.readRecords.iterate(meta.id, partition, from, maxRecords) as Iterable<
        unknown[]
      >) {
        out.push(decodeRow(row, meta.name, partition));
        bytes += row[5] as number;
        if (bytes >= maxBytes) break;
      }
    });
    return out;
  }

  /** Runs a read; SQLite failures become EY_LOG_UNAVAILABLE. */
  private read0<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw logUnavailable(`cannot read the event log at ${this.file}: ${(error as Error).message}`, error, {
        path: this.file,
      });
    }
  }
}

function validateSpec(spec: TopicSpec): void {
  if (typeof spec.name !== 'string' || spec.name === '')
    throw invalidArgument('a topic needs a non-empty name');
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
    throw invalidArgument(
      `topic "${spec.name}": partitions must be a positive integer, got ${spec.partitions}`,
    );
  }
  for (const field of ['retentionMs', 'retentionBytes'] as const) {
    const value = spec[field];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw invalidArgument(`topic "${spec.name}": ${field} must be a non-negative integer, got ${value}`);
    }
  }
}

function checkPartition(meta: TopicMeta, partition: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= meta.partitions) {
    throw partitionNotFound(meta.name, partition, meta.partitions);
  }
}

function checkOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw invalidArgument(`offset must be a non-negative integer, got ${offset}`);
  }
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string')
    throw invalidArgument(`a record key must be a string or null, got ${typeof key}`);
  return key;
}

function checkValue(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return value;
  throw invalidArgument(`a record value must be a Uint8Array or null, got ${typeof value}`);
}
