/**
 * Appends through one idempotent kafkajs producer (acks=all), with a deadline per append.
 *
 * Appends queue here and go out together: while one `sendBatch` is in flight, the next appends
 * gather and leave as the next `sendBatch` (up to MAX_SEND_BYTES), records for any number of
 * topics and partitions in one request. Only one send is in flight at a time. That is what keeps
 * the idempotent producer sound when sends fail: kafkajs rolls a failed batch's sequence numbers
 * back, so a later batch could reuse numbers the broker already saw (and be dropped as a
 * duplicate) if the failed one was in fact written. So after any failure the producer is thrown
 * away and the next send starts a new one, with a new producer id.
 *
 * An append whose deadline passes while it waits is rejected with EY_LOG_UNAVAILABLE and never
 * sent. One that is already in flight is rejected too; it may still be written (at-least-once:
 * the client retries, the log may hold both copies).
 */
import { type Kafka, Partitioners, type Producer, type ProducerBatch, type RecordMetadata } from 'kafkajs';
import { logUnavailable } from '../errors.ts';
import type { AppendResult, LogRecord } from '../types.ts';
import { isUnknownTopic, toLogError } from './errors.ts';
import { messageSize, type OutgoingMessage, toMessage } from './records.ts';

/** Upper bound on the bytes gathered into one request (one append alone may exceed it). */
const MAX_SEND_BYTES = 1024 * 1024;

interface PendingAppend {
  topic: string;
  messages: OutgoingMessage[];
  bytes: number;
  resolve(results: AppendResult[]): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  /** Rejected already (deadline or close): skipped if still queued, its result ignored if sent. */
  done: boolean;
}

export interface AppenderHost {
  kafka: Kafka;
  appendTimeoutMs: number;
  /** The topic vanished under a running producer (deleted meanwhile). */
  onUnknownTopic(topic: string): void;
}

/** What the log appends through: this kafkajs Appender, or the @platformatic/kafka one. */
export interface RecordAppender {
  /** Appends within `timeoutMs`; rejects with EY_LOG_UNAVAILABLE after it. */
  append(topic: string, records: LogRecord[], timeoutMs: number): Promise<AppendResult[]>;
  /** Resolves once the producer is connected; rejects when Kafka cannot be reached. */
  connected(): Promise<unknown>;
  /** Lets queued and in-flight appends finish (each within its own deadline), then disconnects. */
  close(): Promise<void>;
}

export class Appender implements RecordAppender {
  private readonly host: AppenderHost;
  private readonly queue: PendingAppend[] = [];
  private sending = false;
  private slot: { producer: Producer; ready: Promise<Producer> } | undefined;
  private closed = false;
  /** Called when the queue runs empty (close() waits for it). */
  private drained: (() => void) | undefined;

  constructor(host: AppenderHost) {
    this.host = host;
  }

  /** Appends within `timeoutMs`; rejects with EY_LOG_UNAVAILABLE after it. */
  append(topic: string, records: LogRecord[], timeoutMs: number): Promise<AppendResult[]> {
    const count = records.length;
    const messages = new Array<OutgoingMessage>(count);
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const message = toMessage(records[i]!);
      messages[i] = message;
      bytes += messageSize(message);
    }
    return new Promise<AppendResult[]>((resolve, reject) => {
      const ms = timeoutMs;
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
              `append to topic "${topic}": Kafka did not acknowledge within ${ms} ms`,
              undefined,
              {
                topic,
              },
            ),
          );
        }, ms),
      };
      this.queue.push(pending);
      this.pump();
    });
  }

  /** Connects the producer (or reuses it); rejects when Kafka cannot be reached in time. */
  connected(): Promise<Producer> {
    if (this.closed) return Promise.reject(logUnavailable('the producer is closed'));
    if (this.slot === undefined) {
      const producer = this.host.kafka.producer({
        idempotent: true,
        // The partitioner pins each message's partition on its first attempt, so retries resend
        // the same partitions and the results map back to records exactly.
        createPartitioner: pinningPartitioner,
        allowAutoTopicCreation: false,
        maxInFlightRequests: 1,
        // Bounded (kafkajs' idempotent default is unbounded): a failed send discards the producer.
        retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 8 },
      });
      const slot = {
        producer,
        ready: producer.connect().then(
          () => producer,
          (error: unknown) => {
            this.discard(producer);
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
        // The send in flight may outlive its appends' deadlines (kafkajs retries): do not wait for it.
        setTimeout(resolve, this.host.appendTimeoutMs).unref();
      });
    }
    this.closed = true;
    for (const pending of this.queue.splice(0))
      this.settle(pending, logUnavailable('the event log is closed'));
    const slot = this.slot;
    this.slot = undefined;
    if (slot !== undefined) await slot.producer.disconnect().catch(() => {});
  }

  private discard(producer: Producer): void {
    if (this.slot?.producer !== producer) return;
    this.slot = undefined;
    producer.disconnect().catch(() => {});
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
      let producer: Producer;
      try {
        producer = await this.connected();
      } catch (error) {
        for (const pending of batch) this.settle(pending, toLogError(error, 'cannot connect to Kafka'));
        continue;
      }
      await this.send(producer, batch);
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

  private async send(producer: Producer, batch: PendingAppend[]): Promise<void> {
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const pending of batch) {
      const messages = byTopic.get(pending.topic);
      if (messages === undefined) byTopic.set(pending.topic, pending.messages.slice());
      else for (const m of pending.messages) messages.push(m);
    }
    const request: ProducerBatch = {
      acks: -1,
      timeout: this.host.appendTimeoutMs,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    };
    let responses: RecordMetadata[];
    try {
      responses = await producer.sendBatch(request);
    } catch (error) {
      this.discard(producer);
      // One request carries several topics and kafkajs does not say which one is unknown: every
      // append fails as unavailable, and the next append of each topic checks it exists again.
      const unknownTopic = isUnknownTopic(error);
      for (const pending of batch) {
        if (unknownTopic) this.host.onUnknownTopic(pending.topic);
        this.settle(pending, toLogError(error, `append to topic "${pending.topic}" failed`));
      }
      return;
    }
    // Kafka answers with the base offset per partition; records of one partition were sent in
    // queue order, so the k-th record of a partition sits at base + k.
    const next = new Map<string, number[]>();
    for (const r of responses) {
      let offsets = next.get(r.topicName);
      if (offsets === undefined) {
        offsets = [];
        next.set(r.topicName, offsets);
      }
      offsets[r.partition] = Number(r.baseOffset);
    }
    for (const pending of batch) {
      const offsets = next.get(pending.topic) ?? [];
      const results = new Array<AppendResult>(pending.messages.length);
      let complete = true;
      for (let i = 0; i < pending.messages.length; i++) {
        const partition = pending.messages[i]!.partition!;
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

/**
 * kafkajs' default partitioner (Kafka's murmur2 for keyed records, round robin otherwise) that
 * writes its choice into the message, so a retried send keeps every record where it was.
 */
const pinningPartitioner = () => {
  const choose = Partitioners.DefaultPartitioner();
  return (args: Parameters<ReturnType<typeof Partitioners.DefaultPartitioner>>[0]): number => {
    const partition = choose(args);
    args.message.partition = partition;
    return partition;
  };
};
