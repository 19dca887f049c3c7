/**
 * Appends through one idempotent @platformatic/kafka producer (acks=all): the same contract and
 * queueing as the kafkajs Appender (kafka/producer.ts) — appends gather while one produce request
 * is in flight and leave together (up to MAX_SEND_BYTES), one request at a time, a deadline per
 * append, and a new producer (new producer id) after any failure, so a send that failed but was in
 * fact written can never make the broker drop a later one as a duplicate.
 *
 * The partition of every record is chosen here, before the first attempt: Kafka's murmur2 for a
 * keyed record (`partitionFor`, as the embedded log and kafkajs do), round robin otherwise. Kafka
 * answers with the base offset per partition and the records of one partition travel in order in
 * one request, so the k-th record of a partition sits at base + k.
 *
 * Why a second client: in the ingress profile, kafkajs' record encoding (zero-filled buffers per
 * record and header, grown by copying; a JS CRC32C) took about a third of the process's CPU;
 * @platformatic/kafka encodes the same requests at about half the CPU per record (bench/RESULTS.md).
 */
import { type Broker, type ProduceResult, Producer, type Serializers } from '@platformatic/kafka';
import { invalidArgument, logUnavailable } from '../errors.ts';
import type { RecordAppender } from '../kafka/producer.ts';
import type { KafkaLogOptions } from '../kafka/types.ts';
import { partitionFor } from '../partitioner.ts';
import type { AppendResult, LogRecord } from '../types.ts';
import { isUnknownTopic, toLogError } from './errors.ts';

/** Upper bound on the bytes gathered into one request (one append alone may exceed it). */
const MAX_SEND_BYTES = 1024 * 1024;

interface OutgoingMessage {
  topic: string;
  key: string | undefined;
  value: Buffer | undefined;
  headers: Record<string, string>;
  partition: number;
}

interface PendingAppend {
  topic: string;
  messages: OutgoingMessage[];
  bytes: number;
  resolve(results: AppendResult[]): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  done: boolean;
}

export interface PlatformaticAppenderHost {
  options: KafkaLogOptions;
  appendTimeoutMs: number;
  /** Partition count of a topic the log has looked up (appends only go to such topics). */
  partitionsOf(topic: string): number | undefined;
  onUnknownTopic(topic: string): void;
}

type AppendProducer = Producer<string | undefined, Buffer | undefined, string, string>;

// Keys and header values are strings, values bytes (null stays null: Kafka's -1 length).
const serializers: Serializers<string | undefined, Buffer | undefined, string, string> = {
  key: (key) => (key === undefined || key === null ? undefined : Buffer.from(key, 'utf8')),
  value: (value) => (value === undefined || value === null ? undefined : value),
  headerKey: (name) => (name === undefined ? undefined : Buffer.from(name, 'utf8')),
  headerValue: (value) => (value === undefined ? undefined : Buffer.from(value, 'utf8')),
};

export class PlatformaticAppender implements RecordAppender {
  private readonly host: PlatformaticAppenderHost;
  private readonly queue: PendingAppend[] = [];
  /** Round-robin position per topic for records without a key. */
  private readonly next = new Map<string, number>();
  private sending = false;
  private slot: { producer: AppendProducer; ready: Promise<AppendProducer> } | undefined;
  private closed = false;
  private drained: (() => void) | undefined;

  constructor(host: PlatformaticAppenderHost) {
    this.host = host;
  }

  append(topic: string, records: LogRecord[], timeoutMs: number): Promise<AppendResult[]> {
    const partitions = this.host.partitionsOf(topic);
    if (partitions === undefined) return Promise.reject(logUnavailable(`topic "${topic}" is not known yet`));
    const count = records.length;
    const messages = new Array<OutgoingMessage>(count);
    let bytes = 0;
    let spread = this.next.get(topic) ?? Math.floor(Math.random() * partitions);
    for (let i = 0; i < count; i++) {
      const record = records[i]!;
      const key = record.key;
      if (key !== null && typeof key !== 'string') {
        return Promise.reject(invalidArgument(`a record key must be a string or null, got ${typeof key}`));
      }
      const value = toBuffer(record.value);
      const partition = key === null ? spread++ % partitions : partitionFor(key, partitions);
      messages[i] = { topic, key: key ?? undefined, value, headers: record.headers, partition };
      let size = 64 + (value?.byteLength ?? 0) + (key?.length ?? 0);
      for (const name in record.headers) size += name.length + (record.headers[name]?.length ?? 0);
      bytes += size;
    }
    this.next.set(topic, spread % partitions);
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

  /** The producer with its producer id, or a rejection when Kafka cannot be reached. */
  connected(): Promise<AppendProducer> {
    if (this.closed) return Promise.reject(logUnavailable('the producer is closed'));
    if (this.slot === undefined) {
      const producer = createProducer(this.host);
      const slot = {
        producer,
        ready: producer.initIdempotentProducer({}).then(
          () => producer,
          (error: unknown) => {
            this.discard(producer);
            throw error;
          },
        ),
      };
      slot.ready.catch(() => {});
      this.slot = slot;
    }
    return this.slot.ready;
  }

  async close(): Promise<void> {
    if (this.sending) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        setTimeout(resolve, this.host.appendTimeoutMs).unref();
      });
    }
    this.closed = true;
    for (const pending of this.queue.splice(0))
      this.settle(pending, logUnavailable('the event log is closed'));
    const slot = this.slot;
    this.slot = undefined;
    if (slot !== undefined) await slot.producer.close(true).catch(() => {});
  }

  private discard(producer: AppendProducer): void {
    if (this.slot?.producer !== producer) return;
    this.slot = undefined;
    producer.close(true).catch(() => {});
  }

  private settle(pending: PendingAppend, error: Error): void {
    if (pending.done) return;
    pending.done = true;
    clearTimeout(pending.timer);
    pending.reject(error);
  }

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
      let producer: AppendProducer;
      try {
        producer = await this.connected();
      } catch (error) {
        for (const pending of batch) this.settle(pending, toLogError(error, 'cannot connect to Kafka'));
        continue;
      }
      await this.send(producer, batch);
    }
  }

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

  private async send(producer: AppendProducer, batch: PendingAppend[]): Promise<void> {
    const messages: OutgoingMessage[] =
      batch.length === 1 ? batch[0]!.messages : batch.flatMap((p) => p.messages);
    let result: ProduceResult;
    try {
      result = await producer.send({ messages, acks: -1 });
    } catch (error) {
      this.discard(producer);
      const unknownTopic = isUnknownTopic(error);
      for (const pending of batch) {
        if (unknownTopic) this.host.onUnknownTopic(pending.topic);
        this.settle(pending, toLogError(error, `append to topic "${pending.topic}" failed`));
      }
      return;
    }
    const next = new Map<string, number[]>();
    for (const r of result.offsets ?? []) {
      let offsets = next.get(r.topic);
      if (offsets === undefined) {
        offsets = [];
        next.set(r.topic, offsets);
      }
      offsets[r.partition] = Number(r.offset);
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

function createProducer(host: PlatformaticAppenderHost): AppendProducer {
  const { options } = host;
  return new Producer({
    clientId: options.clientId ?? 'eventyard',
    bootstrapBrokers: options.brokers as string[] | Broker[],
    idempotent: true,
    acks: -1,
    serializers,
    autocreateTopics: false,
    connectTimeout: 1_000,
    timeout: host.appendTimeoutMs,
    // Bounded retries inside the append deadline; a failed send discards the producer.
    retries: 3,
    retryDelay: 100,
    ...(options.ssl === undefined || options.ssl === false
      ? {}
      : { tls: options.ssl === true ? {} : options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: toSasl(options.sasl) }),
  });
}

/** kafkajs-shaped SASL options (what KafkaLogOptions takes) in @platformatic/kafka's shape. */
function toSasl(sasl: NonNullable<KafkaLogOptions['sasl']>): {
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  username: string;
  password: string;
} {
  const mechanism = sasl.mechanism.toUpperCase();
  if (mechanism !== 'PLAIN' && mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512') {
    throw invalidArgument(`SASL mechanism ${sasl.mechanism} is not supported with the platformatic client`);
  }
  const { username, password } = sasl as { username: string; password: string };
  return { mechanism, username, password };
}

function toBuffer(value: Uint8Array | null): Buffer | undefined {
  if (value === null) return undefined;
  if (Buffer.isBuffer(value)) return value;
  if (!(value instanceof Uint8Array)) {
    throw invalidArgument(`a record value must be a Uint8Array or null, got ${typeof value}`);
  }
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
