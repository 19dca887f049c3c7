/**
 * Appends through one idempotent Kafka producer (acks=all), with a deadline per append, over either
 * client (kafkajs or @platformatic/kafka, see clients/): the client only connects a producer and
 * sends one produce request; the queueing, partitioning, deadlines and recovery are here.
 *
 * Appends queue here and go out together: while one produce request is in flight, the next appends
 * gather and leave as the next request (up to MAX_SEND_BYTES), records for any number of topics and
 * partitions in one request. Only one request is in flight at a time. That is what keeps the
 * idempotent producer sound when sends fail: a client rolls a failed batch's sequence numbers back,
 * so a later batch could reuse numbers the broker already saw (and be dropped as a duplicate) if
 * the failed one was in fact written. So after any failure the producer is thrown away and the next
 * send starts a new one, with a new producer id.
 *
 * The partition of every record is chosen here, before the first attempt: Kafka's murmur2 for a
 * keyed record (`partitionFor`, as the embedded log and Kafka's own clients do), round robin
 * otherwise. So retries resend the same partitions, and since Kafka answers with the base offset
 * per partition and the records of one partition travel in queue order in one request, the k-th
 * record of a partition sits at base + k.
 *
 * An append whose deadline passes while it waits is rejected with EY_LOG_UNAVAILABLE and never
 * sent. One that is already in flight is rejected too; it may still be written (at-least-once:
 * the client retries, the log may hold both copies).
 */
import { invalidArgument, logUnavailable } from '../errors.ts';
import { partitionFor } from '../partitioner.ts';
import type { AppendResult, LogRecord } from '../types.ts';
import { toLogError } from './errors.ts';

/** Upper bound on the bytes gathered into one request (one append alone may exceed it). */
const MAX_SEND_BYTES = 1024 * 1024;

/** A record on its way to Kafka; keys and header values are UTF-8 strings on the wire. */
export interface OutgoingMessage {
  topic: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  partition: number;
}

/** The messages of one append, all of one topic. */
export interface TopicMessages {
  topic: string;
  messages: OutgoingMessage[];
}

/** Kafka's answer for one partition of a produce request: the offset of its first record. */
export interface PartitionBaseOffset {
  topic: string;
  partition: number;
  baseOffset: number;
}

/** One idempotent producer of a client: one producer id, for as long as its sends succeed. */
export interface ProducerSession {
  /** Connects and gets a producer id; rejects when Kafka cannot be reached. */
  connect(): Promise<void>;
  /**
   * Sends the messages in one produce request (acks=all), in the order given, keeping each
   * message's partition; resolves with the base offset of every partition written.
   */
  send(appends: readonly TopicMessages[], timeoutMs: number): Promise<PartitionBaseOffset[]>;
  close(): Promise<void>;
}

/** What a Kafka client provides for appends. */
export interface ProducerClient {
  /** A new producer session (not connected yet). */
  producer(): ProducerSession;
  /** True when `error` says the topic (or partition) does not exist. */
  isUnknownTopic(error: unknown): boolean;
}

interface PendingAppend extends TopicMessages {
  bytes: number;
  resolve(results: AppendResult[]): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  /** Rejected already (deadline or close): skipped if still queued, its result ignored if sent. */
  done: boolean;
}

export interface AppenderHost {
  client: ProducerClient;
  appendTimeoutMs: number;
  /** The topic vanished under a running producer (deleted meanwhile). */
  onUnknownTopic(topic: string): void;
}

export class Appender {
  private readonly host: AppenderHost;
  private readonly queue: PendingAppend[] = [];
  /** Round-robin position per topic for records without a key. */
  private readonly spread = new Map<string, number>();
  private sending = false;
  private slot: { session: ProducerSession; ready: Promise<ProducerSession> } | undefined;
  private closed = false;
  /** Called when the queue runs empty (close() waits for it). */
  private drained: (() => void) | undefined;

  constructor(host: AppenderHost) {
    this.host = host;
  }

  /** Appends to a topic of `partitions` partitions within `timeoutMs`; rejects with EY_LOG_UNAVAILABLE after it. */
  append(
    topic: string,
    partitions: number,
    records: LogRecord[],
    timeoutMs: number,
  ): Promise<AppendResult[]> {
    const count = records.length;
    const messages = new Array<OutgoingMessage>(count);
    let bytes = 0;
    let spread = this.spread.get(topic) ?? Math.floor(Math.random() * partitions);
    for (let i = 0; i < count; i++) {
      const record = records[i]!;
      const key = record.key;
      if (key !== null && typeof key !== 'string') {
        return Promise.reject(invalidArgument(`a record key must be a string or null, got ${typeof key}`));
      }
      let value: Buffer | null;
      try {
        value = toBuffer(record.value);
      } catch (error) {
        return Promise.reject(error);
      }
      const headers = record.headers;
      const partition = key === null ? spread++ % partitions : partitionFor(key, partitions);
      messages[i] = { topic, key, value, headers, partition };
      let size = 64 + (value?.byteLength ?? 0) + (key?.length ?? 0);
      for (const name in headers) size += name.length + (headers[name]?.length ?? 0);
      bytes += size;
    }
    this.spread.set(topic, spread % partitions);
    return new Promise<AppendResult[]>((resolve, reject) => {
      const pending: PendingAppend = {
        topic,
        messages,
        bytes,
        resolve,
        reject,
        done: false,
        timer: setTimeout(() => {
          this.settle(
            pending,
            logUnavailable(
              `append to topic "${topic}": Kafka did not acknowledge within ${timeoutMs} ms`,
              undefined,
              {
                topic,
              },
            ),
          );
        }, timeoutMs),
      };
      this.queue.push(pending);
      this.pump();
    });
  }

  /** Connects the producer (or reuses it); rejects when Kafka cannot be reached. */
  connected(): Promise<ProducerSession> {
    if (this.closed) return Promise.reject(logUnavailable('the producer is closed'));
    if (this.slot === undefined) {
      const session = this.host.client.producer();
      const slot = {
        session,
        ready: session.connect().then(
          () => session,
          (error: unknown) => {
            this.discard(session);
            throw error;
          },
        ),
      };
      slot.ready.catch(() => {}); // observed by whoever awaits it; never unhandled
      this.slot = slot;
    }
    return this.slot.ready;
  }

  /** Lets queued and in-flight appends finish (each within its own deadline), then disconnects. */
  async close(): Promise<void> {
    if (this.sending) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        // The send in flight may outlive its appends' deadlines (clients retry): do not wait for it.
        setTimeout(resolve, this.host.appendTimeoutMs).unref();
      });
    }
    this.closed = true;
    for (const pending of this.queue.splice(0))
      this.settle(pending, logUnavailable('the event log is closed'));
    const slot = this.slot;
    this.slot = undefined;
    if (slot !== undefined) await slot.session.close().catch(() => {});
  }

  private discard(session: ProducerSession): void {
    if (this.slot?.session !== session) return;
    this.slot = undefined;
    session.close().catch(() => {});
  }

  private settle(pending: PendingAppend, error: Error): void {
    if (pending.done) return;
    pending.done = true;
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  /** Sends what is queued, one request at a time, until the queue is empty. */
  private pump(): void {
    if (this.sending) return;
    this.sending = true;
    void this.drain().finally(() => {
      this.sending = false;
      if (this.queue.some((p) => !p.done)) {
        this.pump();
        return;
      }
      this.queue.length = 0;
      this.drained?.();
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const batch = this.take();
      if (batch.length === 0) return;
      let session: ProducerSession;
      try {
        session = await this.connected();
      } catch (error) {
        for (const pending of batch) this.settle(pending, toLogError(error, 'cannot connect to Kafka'));
        continue;
      }
      await this.send(session, batch);
    }
  }

  /** The next live appends from the queue, up to MAX_SEND_BYTES (at least one). */
  private take(): PendingAppend[] {
    const batch: PendingAppend[] = [];
    const queue = this.queue;
    let bytes = 0;
    let i = 0;
    for (; i < queue.length; i++) {
      const next = queue[i]!;
      if (next.done) continue;
      if (batch.length > 0 && bytes + next.bytes > MAX_SEND_BYTES) break;
      batch.push(next);
      bytes += next.bytes;
    }
    queue.splice(0, i);
    return batch;
  }

  private async send(session: ProducerSession, batch: PendingAppend[]): Promise<void> {
    let answers: PartitionBaseOffset[];
    try {
      answers = await session.send(batch, this.host.appendTimeoutMs);
    } catch (error) {
      this.discard(session);
      // One request carries several topics and the clients do not say which one is unknown: every
      // append fails as unavailable, and the next append of each topic checks it exists again.
      const unknownTopic = this.host.client.isUnknownTopic(error);
      for (const pending of batch) {
        if (unknownTopic) this.host.onUnknownTopic(pending.topic);
        this.settle(pending, toLogError(error, `append to topic "${pending.topic}" failed`));
      }
      return;
    }
    const next = new Map<string, number[]>();
    for (const answer of answers) {
      let offsets = next.get(answer.topic);
      if (offsets === undefined) {
        offsets = [];
        next.set(answer.topic, offsets);
      }
      offsets[answer.partition] = answer.baseOffset;
    }
    for (const pending of batch) {
      const offsets = next.get(pending.topic) ?? [];
      const results = new Array<AppendResult>(pending.messages.length);
      let complete = true;
      for (let i = 0; i < pending.messages.length; i++) {
        const partition = pending.messages[i]!.partition;
        const offset = offsets[partition];
        if (offset === undefined || Number.isNaN(offset)) {
          complete = false;
          break;
        }
        offsets[partition] = offset + 1;
        results[i] = { partition, offset };
      }
      if (!complete) {
        this.settle(
          pending,
          logUnavailable(`append to topic "${pending.topic}": Kafka acknowledged no offset`),
        );
        continue;
      }
      if (pending.done) continue;
      pending.done = true;
      clearTimeout(pending.timer);
      pending.resolve(results);
    }
  }
}

/** Clients encode Buffers; a Uint8Array is wrapped without copying its bytes. */
function toBuffer(value: Uint8Array | null): Buffer | null {
  if (value === null || Buffer.isBuffer(value)) return value;
  if (!(value instanceof Uint8Array)) {
    throw invalidArgument(`a record value must be a Uint8Array or null, got ${typeof value}`);
  }
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
