/**
 * The `EventLog` conformance suite. Every implementation runs it from its own test file:
 *
 *   runConformanceSuite('embedded', () => openEmbeddedLog({ dir }));
 *   runConformanceSuite('kafka', () => openKafkaLog({ brokers }), { bigPayloadBytes: ... });
 *
 * `open()` is called once per test (and twice in the durability test): each call must return a
 * fresh handle over the SAME storage, so what one handle wrote and closed, the next one reads.
 * Topic and group names carry a random suffix per run, so the suite can run against a shared,
 * long-lived broker without cleaning it first.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, type TestContext, test } from 'node:test';
import { isEventyardError } from '@eventyard/core';
import type {
  AppendResult,
  ConsumeOptions,
  Consumer,
  EventLog,
  LogRecord,
  RecordBatch,
  StoredRecord,
} from '../src/index.ts';
import { partitionFor } from '../src/index.ts';

export interface ConformanceOptions {
  /** Partitions of the multi-partition topics the suite creates (at least 2). Default 3. */
  partitions?: number;
  /** How long to wait for records that must arrive, in ms. Default 15 000. */
  timeoutMs?: number;
  /** How long to watch for records that must NOT arrive (pause, latest, close), in ms. Default 500. */
  quietMs?: number;
  /**
   * Size of the large payload. Default 4 MiB; a Kafka broker needs `message.max.bytes` (and the
   * producer `max.request.size`) raised to accept it.
   */
  bigPayloadBytes?: number;
  /** Start of every topic and group name; a random suffix per run follows. Default 'eyconf'. */
  namePrefix?: string;
  /** Timeout of each test, in ms. Default 60 000. */
  testTimeoutMs?: number;
}

type Cleanup = () => unknown;

interface Ctx {
  /** Opens a log handle that is closed when the test ends. */
  open(): Promise<EventLog>;
  /** Starts a consumer that is closed (before its log) when the test ends. */
  consume(log: EventLog, options: ConsumeOptions): Promise<Consumer>;
  defer(fn: Cleanup): void;
}

const encoder = new TextEncoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);

function sameBytes(actual: Uint8Array | null, expected: Uint8Array | null, what: string): void {
  if (expected === null || actual === null) {
    assert.equal(actual, expected, `${what}: null mismatch`);
    return;
  }
  assert.ok(actual instanceof Uint8Array, `${what}: expected a Uint8Array`);
  assert.equal(actual.byteLength, expected.byteLength, `${what}: length`);
  assert.ok(
    Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected),
    `${what}: bytes`,
  );
}

function sameRecord(actual: LogRecord, expected: LogRecord, what: string): void {
  assert.equal(actual.key, expected.key, `${what}: key`);
  sameBytes(actual.value, expected.value, `${what}: value`);
  assert.deepEqual({ ...actual.headers }, { ...expected.headers }, `${what}: headers`);
}

async function waitFor(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(5);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A key that Kafka's default partitioner places on `partition`. */
function keyFor(partition: number, partitions: number, prefix: string): string {
  for (let i = 0; ; i++) {
    const key = `${prefix}-${i}`;
    if (partitionFor(key, partitions) === partition) return key;
  }
}

function record(value: string, key: string | null = null, headers: Record<string, string> = {}): LogRecord {
  return { key, value: bytes(value), headers };
}

/** Everything stored in a partition, read through `read()` in pages. */
async function readAll(log: EventLog, topic: string, partition: number): Promise<StoredRecord[]> {
  const end = (await log.endOffsets(topic))[partition] ?? 0;
  const out: StoredRecord[] = [];
  let from = (await log.startOffsets(topic))[partition] ?? 0;
  while (from < end) {
    const page = await log.read(topic, partition, from, 100);
    if (page.length === 0) break;
    out.push(...page);
    from = page[page.length - 1]!.offset + 1;
  }
  return out;
}

/** Collects what a consumer receives and checks the batch contract on the way. */
class Collector {
  readonly records: StoredRecord[] = [];
  readonly batches: RecordBatch[] = [];
  readonly problems: string[] = [];
  private readonly inFlight = new Map<number, number>();
  private readonly topic: string;
  private readonly maxBatchSize: number;
  private readonly delayMs: number;

  constructor(topic: string, maxBatchSize = Number.POSITIVE_INFINITY, delayMs = 1) {
    this.topic = topic;
    this.maxBatchSize = maxBatchSize;
    this.delayMs = delayMs;
  }

  readonly onBatch = async (batch: RecordBatch): Promise<void> => {
    const busy = this.inFlight.get(batch.partition) ?? 0;
    if (busy > 0)
      this.problems.push(`partition ${batch.partition}: batch delivered before the previous settled`);
    if (batch.topic !== this.topic) this.problems.push(`batch.topic ${batch.topic}`);
    if (batch.records.length === 0) this.problems.push('empty batch');
    if (batch.records.length > this.maxBatchSize) this.problems.push(`batch of ${batch.records.length}`);
    for (let i = 0; i < batch.records.length; i++) {
      const r = batch.records[i]!;
      if (r.partition !== batch.partition || r.topic !== batch.topic)
        this.problems.push('record outside its batch');
      if (i > 0 && r.offset <= batch.records[i - 1]!.offset)
        this.problems.push('offsets not increasing in batch');
    }
    this.inFlight.set(batch.partition, busy + 1);
    this.batches.push(batch);
    this.records.push(...batch.records);
    await sleep(this.delayMs);
    this.inFlight.set(batch.partition, (this.inFlight.get(batch.partition) ?? 1) - 1);
  };

  of(partition: number): StoredRecord[] {
    return this.records.filter((r) => r.partition === partition);
  }

  assertHealthy(): void {
    assert.deepEqual(this.problems, []);
  }
}

function positions(results: AppendResult[]): string[] {
  return results.map((r) => `${r.partition}:${r.offset}`);
}

export function runConformanceSuite(
  name: string,
  open: () => Promise<EventLog>,
  options: ConformanceOptions = {},
): void {
  const P = options.partitions ?? 3;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const quietMs = options.quietMs ?? 500;
  const bigPayloadBytes = options.bigPayloadBytes ?? 4 * 1024 * 1024;
  const run = `${options.namePrefix ?? 'eyconf'}-${randomBytes(4).toString('hex')}`;
  const testTimeout = options.testTimeoutMs ?? 60_000;
  assert.ok(P >= 2, 'the conformance suite needs at least 2 partitions');
  let counter = 0;
  const unique = (what: string) => `${run}-${what}-${++counter}`;

  function context(t: TestContext): Ctx {
    const stack: Cleanup[] = [];
    t.after(async () => {
      const errors: unknown[] = [];
      // Last in, first out: consumers close before the log they read from.
      for (let fn = stack.pop(); fn; fn = stack.pop()) {
        try {
          await fn();
        } catch (error) {
          errors.push(error);
        }
      }
      if (errors.length > 0) throw errors[0];
    });
    const defer = (fn: Cleanup) => {
      stack.push(fn);
    };
    return {
      defer,
      async open() {
        const log = await open();
        defer(() => log.close());
        return log;
      },
      async consume(log, consumeOptions) {
        const consumer = await log.consume(consumeOptions);
        defer(() => consumer.close());
        return consumer;
      },
    };
  }

  /** Subscribes and waits until the partitions are assigned (start positions are fixed by then). */
  async function consumeAssigned(
    ctx: Ctx,
    log: EventLog,
    consumeOptions: Omit<ConsumeOptions, 'onAssign'>,
  ): Promise<{ consumer: Consumer; assigned: number[] }> {
    const assigned = deferred<number[]>();
    const consumer = await ctx.consume(log, {
      ...consumeOptions,
      onAssign: (partitions) => assigned.resolve([...partitions].sort((a, b) => a - b)),
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([assigned.promise, timeout]);
    clearTimeout(timer);
    assert.notEqual(result, 'timeout', 'onAssign was not called');
    return { consumer, assigned: result as number[] };
  }

  const all = Array.from({ length: P }, (_, i) => i);

  describe(`${name}: EventLog conformance`, { timeout: testTimeout }, () => {
    test('ensureTopic is idempotent and partitions() reports the count', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('topic');
      assert.equal(await log.partitions(topic), undefined);
      await log.ensureTopic({ name: topic, partitions: P });
      await log.ensureTopic({ name: topic, partitions: P });
      assert.equal(await log.partitions(topic), P);
      // An existing topic is left as it is, even when asked for another shape.
      await log.ensureTopic({ name: topic, partitions: P + 2 });
      assert.equal(await log.partitions(topic), P);
      assert.deepEqual(await log.endOffsets(topic), Array(P).fill(0));
      assert.deepEqual(await log.startOffsets(topic), Array(P).fill(0));
      assert.equal(await log.writable(), true);
    });

    test('append returns one contiguous offset per record, in input order', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('contiguous');
      await log.ensureTopic({ name: topic, partitions: 1 });
      assert.deepEqual(await log.append(topic, []), []);
      const first = await log.append(topic, [record('a'), record('b', 'k'), record('c')]);
      assert.deepEqual(positions(first), ['0:0', '0:1', '0:2']);
      const second = await log.append(topic, [record('d'), record('e')]);
      assert.deepEqual(positions(second), ['0:3', '0:4']);
      assert.deepEqual(await log.endOffsets(topic), [5]);
      const stored = await log.read(topic, 0, 0, 10);
      assert.deepEqual(
        stored.map((r) => [r.offset, Buffer.from(r.value!).toString()]),
        [
          [0, 'a'],
          [1, 'b'],
          [2, 'c'],
          [3, 'd'],
          [4, 'e'],
        ],
      );
      for (const r of stored) {
        assert.equal(r.topic, topic);
        assert.equal(r.partition, 0);
        assert.ok(Number.isFinite(r.timestamp) && r.timestamp > 0, 'timestamp');
      }
    });

    test("same key lands on Kafka's murmur2 partition, in order per partition", async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('keys');
      await log.ensureTopic({ name: topic, partitions: P });
      const keys = Array.from({ length: 10 }, (_, i) => `customer-${i}`);
      const sent: LogRecord[] = [];
      const results: AppendResult[] = [];
      for (let call = 0; call < 4; call++) {
        const batch = Array.from({ length: 25 }, (_, i) =>
          record(`${call}-${i}`, keys[(call * 25 + i) % 10]!),
        );
        sent.push(...batch);
        results.push(...(await log.append(topic, batch)));
      }
      const partitionOfKey = new Map<string, number>();
      results.forEach((r, i) => {
        const key = sent[i]!.key!;
        assert.equal(r.partition, partitionFor(key, P), `partition of ${key}`);
        const seen = partitionOfKey.get(key);
        assert.ok(seen === undefined || seen === r.partition, `key ${key} moved partitions`);
        partitionOfKey.set(key, r.partition);
      });
      // Unkeyed records are spread, never rejected.
      const unkeyed = await log.append(topic, [record('x'), record('y')]);
      for (const r of unkeyed) assert.ok(r.partition >= 0 && r.partition < P);
      for (const p of all) {
        const stored = await readAll(log, topic, p);
        const expected = sent.filter((_, i) => results[i]!.partition === p);
        const keyed = stored.filter((r) => r.key !== null);
        assert.equal(keyed.length, expected.length);
        for (const [i, r] of keyed.entries()) sameRecord(r, expected[i]!, `partition ${p} #${i}`);
      }
    });

    test('payloads round-trip exactly: empty, null, big, binary keys and headers', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('payloads');
      await log.ensureTopic({ name: topic, partitions: P });
      const big = randomBytes(bigPayloadBytes);
      const binary = new Uint8Array(256).map((_, i) => i);
      const records: LogRecord[] = [
        { key: null, value: new Uint8Array(0), headers: {} },
        { key: 'null-value', value: null, headers: { 'content-type': 'application/json' } },
        { key: null, value: null, headers: {} },
        { key: '', value: bytes('empty key'), headers: {} },
        { key: '\uFEFFbom', value: bytes('\uFEFFbom'), headers: { bom: '\uFEFF' } },
        { key: 'ünïcødé ☃ 🚀', value: binary, headers: { ce_source: 'ünïcødé/☃/🚀', ce_id: '1' } },
        { key: 'nul\u0000inside', value: bytes('\u0000'), headers: { 'x-nul': 'a\u0000b', 'x-empty': '' } },
        {
          key: 'big',
          value: big,
          headers: {
            ce_specversion: '1.0',
            ce_type: 'com.example.big',
            'content-type': 'application/octet-stream',
          },
        },
      ];
      const results = await log.append(topic, records);
      assert.equal(results.length, records.length);
      for (let i = 0; i < records.length; i++) {
        const at = results[i]!;
        const [stored] = await log.read(topic, at.partition, at.offset, 1);
        assert.ok(stored, `record ${i} not found at ${at.partition}:${at.offset}`);
        assert.equal(stored.offset, at.offset);
        sameRecord(stored, records[i]!, `record ${i}`);
      }
      // The same bytes come out of a consumer.
      const collector = new Collector(topic);
      await ctx.consume(log, {
        group: unique('group'),
        topic,
        start: 'earliest',
        onBatch: collector.onBatch,
      });
      await waitFor(
        () => collector.records.length >= records.length,
        timeoutMs,
        () => `${records.length} records, got ${collector.records.length}`,
      );
      collector.assertHealthy();
      for (let i = 0; i < records.length; i++) {
        const at = results[i]!;
        const got = collector.records.find((r) => r.partition === at.partition && r.offset === at.offset);
        assert.ok(got, `record ${i} not consumed`);
        sameRecord(got, records[i]!, `consumed record ${i}`);
      }
    });

    test('concurrent appenders lose nothing and keep per-call order', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('concurrent');
      await log.ensureTopic({ name: topic, partitions: P });
      const calls = 40;
      const perCall = 25;
      const batches = Array.from({ length: calls }, (_, c) =>
        Array.from({ length: perCall }, (_, i) =>
          record(`${c}:${i}`, `k${(c + i) % 7}`, { call: String(c) }),
        ),
      );
      const results = await Promise.all(batches.map((batch) => log.append(topic, batch)));
      const seen = new Set<string>();
      results.forEach((result, c) => {
        assert.equal(result.length, perCall, `call ${c}`);
        const last = new Map<number, number>();
        for (const r of result) {
          const key = `${r.partition}:${r.offset}`;
          assert.ok(!seen.has(key), `${key} handed out twice`);
          seen.add(key);
          const previous = last.get(r.partition);
          assert.ok(
            previous === undefined || r.offset > previous,
            `call ${c} out of order on ${r.partition}`,
          );
          last.set(r.partition, r.offset);
        }
      });
      const ends = await log.endOffsets(topic);
      assert.equal(
        ends.reduce((a, b) => a + b, 0),
        calls * perCall,
      );
      const stored = new Map<string, StoredRecord>();
      for (const p of all) {
        const records = await readAll(log, topic, p);
        assert.equal(records.length, ends[p]);
        records.forEach((r, i) => {
          assert.equal(r.offset, i, 'offsets contiguous from 0');
          stored.set(`${r.partition}:${r.offset}`, r);
        });
      }
      results.forEach((result, c) => {
        result.forEach((r, i) => {
          sameRecord(stored.get(`${r.partition}:${r.offset}`)!, batches[c]![i]!, `${c}:${i}`);
        });
      });
    });

    test('consume from earliest (the default) delivers everything, in order, batch after batch', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('earliest');
      await log.ensureTopic({ name: topic, partitions: P });
      const sent: LogRecord[] = [];
      const results: AppendResult[] = [];
      for (let call = 0; call < 3; call++) {
        const batch = Array.from({ length: 20 }, (_, i) => record(`${call}-${i}`, `key-${i % 5}`));
        sent.push(...batch);
        results.push(...(await log.append(topic, batch)));
      }
      const collector = new Collector(topic, 7);
      const { assigned } = await consumeAssigned(ctx, log, {
        group: unique('group'),
        topic,
        maxBatchSize: 7,
        onBatch: collector.onBatch,
      });
      assert.deepEqual(assigned, all);
      await waitFor(
        () => collector.records.length >= 60,
        timeoutMs,
        () => `60 records, got ${collector.records.length}`,
      );
      // Live tail: records appended while the consumer waits arrive without another subscribe.
      const tail = [record('tail-1', 'key-1'), record('tail-2', 'key-2'), record('tail-3')];
      sent.push(...tail);
      results.push(...(await log.append(topic, tail)));
      await waitFor(
        () => collector.records.length >= 63,
        timeoutMs,
        () => `63 records, got ${collector.records.length}`,
      );
      await sleep(quietMs);
      collector.assertHealthy();
      assert.equal(collector.records.length, 63, 'no duplicates');
      for (const p of all) {
        const got = collector.of(p);
        assert.deepEqual(
          got.map((r) => r.offset),
          got.map((_, i) => i),
          `partition ${p} offsets`,
        );
      }
      results.forEach((at, i) => {
        const got = collector.records.find((r) => r.partition === at.partition && r.offset === at.offset);
        assert.ok(got, `record ${i}`);
        sameRecord(got, sent[i]!, `record ${i}`);
      });
    });

    test('consume from latest skips what was there before', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('latest');
      await log.ensureTopic({ name: topic, partitions: P });
      await log.append(
        topic,
        Array.from({ length: 10 }, (_, i) => record(`old-${i}`, `k${i}`)),
      );
      const collector = new Collector(topic);
      await consumeAssigned(ctx, log, {
        group: unique('group'),
        topic,
        start: 'latest',
        onBatch: collector.onBatch,
      });
      await sleep(quietMs);
      assert.equal(collector.records.length, 0, 'old records delivered');
      const fresh = Array.from({ length: 5 }, (_, i) => record(`new-${i}`, `k${i}`));
      await log.append(topic, fresh);
      await waitFor(
        () => collector.records.length >= 5,
        timeoutMs,
        () => `5 records, got ${collector.records.length}`,
      );
      await sleep(quietMs);
      collector.assertHealthy();
      assert.deepEqual(collector.records.map((r) => Buffer.from(r.value!).toString()).sort(), [
        'new-0',
        'new-1',
        'new-2',
        'new-3',
        'new-4',
      ]);
    });

    test('a group resumes at its committed offsets after close', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('resume');
      const group = unique('group');
      await log.ensureTopic({ name: topic, partitions: P });
      const firstResults = await log.append(
        topic,
        all.flatMap((p) =>
          Array.from({ length: 4 }, (_, i) => record(`first-${p}-${i}`, keyFor(p, P, 'resume'))),
        ),
      );
      assert.deepEqual(await log.committedOffsets(group, topic), Array(P).fill(null));

      const first = new Collector(topic);
      const { consumer } = await consumeAssigned(ctx, log, { group, topic, onBatch: first.onBatch });
      await waitFor(
        () => first.records.length >= firstResults.length,
        timeoutMs,
        () => `${firstResults.length} records, got ${first.records.length}`,
      );
      // Commit half of each partition: the rest must come again.
      for (const p of all) await consumer.commit(p, 2);
      await consumer.close();
      await consumer.close(); // idempotent
      assert.deepEqual(await log.committedOffsets(group, topic), Array(P).fill(2));

      await log.append(
        topic,
        all.map((p) => record(`second-${p}`, keyFor(p, P, 'resume'))),
      );
      const second = new Collector(topic);
      await consumeAssigned(ctx, log, { group, topic, start: 'latest', onBatch: second.onBatch });
      const expected = P * 3; // offsets 2, 3 and 4 of every partition
      await waitFor(
        () => second.records.length >= expected,
        timeoutMs,
        () => `${expected} records, got ${second.records.length}`,
      );
      await sleep(quietMs);
      second.assertHealthy();
      for (const p of all) {
        assert.deepEqual(
          second.of(p).map((r) => [r.offset, Buffer.from(r.value!).toString()]),
          [
            [2, `first-${p}-2`],
            [3, `first-${p}-3`],
            [4, `second-${p}`],
          ],
        );
      }
    });

    test('two groups keep independent offsets', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('groups');
      const groupA = unique('group-a');
      const groupB = unique('group-b');
      await log.ensureTopic({ name: topic, partitions: P });
      await log.append(
        topic,
        Array.from({ length: 12 }, (_, i) => record(`r${i}`, `k${i}`)),
      );
      const a = new Collector(topic);
      const { consumer: consumerA } = await consumeAssigned(ctx, log, {
        group: groupA,
        topic,
        onBatch: a.onBatch,
      });
      await waitFor(
        () => a.records.length >= 12,
        timeoutMs,
        () => `12 records, got ${a.records.length}`,
      );
      const ends = await log.endOffsets(topic);
      for (const p of all) await consumerA.commit(p, ends[p]!);
      await consumerA.close();

      const b = new Collector(topic);
      const { consumer: consumerB } = await consumeAssigned(ctx, log, {
        group: groupB,
        topic,
        onBatch: b.onBatch,
      });
      await waitFor(
        () => b.records.length >= 12,
        timeoutMs,
        () => `12 records for group B, got ${b.records.length}`,
      );
      assert.deepEqual(await log.committedOffsets(groupB, topic), Array(P).fill(null));
      assert.deepEqual(await log.committedOffsets(groupA, topic), ends);
      await consumerB.commit(0, 1);
      await consumerB.close();
      assert.deepEqual(await log.committedOffsets(groupA, topic), ends);
      assert.deepEqual(await log.committedOffsets(groupB, topic), [1, ...Array(P - 1).fill(null)]);
      b.assertHealthy();
    });

    test('pause stops one partition until resume; the others go on', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('pause');
      await log.ensureTopic({ name: topic, partitions: P });
      const collector = new Collector(topic);
      const { consumer } = await consumeAssigned(ctx, log, {
        group: unique('group'),
        topic,
        onBatch: collector.onBatch,
      });
      consumer.pause(0);
      const k0 = keyFor(0, P, 'pause');
      const k1 = keyFor(1, P, 'pause');
      await log.append(topic, [
        record('p0-a', k0),
        record('p1-a', k1),
        record('p0-b', k0),
        record('p1-b', k1),
      ]);
      await waitFor(
        () => collector.of(1).length >= 2,
        timeoutMs,
        () => `partition 1 records, got ${collector.of(1).length}`,
      );
      await sleep(quietMs);
      assert.equal(collector.of(0).length, 0, 'a paused partition delivered');
      consumer.resume(0);
      await waitFor(
        () => collector.of(0).length >= 2,
        timeoutMs,
        () => `partition 0 records after resume, got ${collector.of(0).length}`,
      );
      assert.deepEqual(
        collector.of(0).map((r) => Buffer.from(r.value!).toString()),
        ['p0-a', 'p0-b'],
      );
      collector.assertHealthy();
    });

    test('seek re-reads from an earlier offset and skips ahead, also during a batch', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('seek');
      await log.ensureTopic({ name: topic, partitions: 1 });
      await log.append(
        topic,
        Array.from({ length: 10 }, (_, i) => record(`v${i}`)),
      );
      // Slow batches, so the first seek lands while a batch is in flight.
      const collector = new Collector(topic, Number.POSITIVE_INFINITY, 50);
      const { consumer } = await consumeAssigned(ctx, log, {
        group: unique('group'),
        topic,
        onBatch: collector.onBatch,
      });
      await waitFor(
        () => collector.records.length >= 1,
        timeoutMs,
        () => 'the first batch',
      );
      const first = collector.records.length;
      consumer.seek(0, 3);
      await waitFor(
        () => collector.records.length >= first + 7,
        timeoutMs,
        () => `${first + 7} records after the seek, got ${collector.records.length}`,
      );
      await sleep(quietMs);
      assert.deepEqual(
        collector.records.slice(first).map((r) => r.offset),
        [3, 4, 5, 6, 7, 8, 9],
        'the next batch after a seek starts at the seek offset',
      );
      // Once idle at the end, seeking back replays.
      const before = collector.records.length;
      consumer.seek(0, 8);
      await waitFor(
        () => collector.records.length >= before + 2,
        timeoutMs,
        () => `${before + 2} records after the second seek, got ${collector.records.length}`,
      );
      assert.deepEqual(
        collector.records.slice(before).map((r) => r.offset),
        [8, 9],
      );
      // Seeking ahead skips what lies between.
      consumer.seek(0, 15);
      await log.append(
        topic,
        Array.from({ length: 7 }, (_, i) => record(`w${10 + i}`)),
      );
      await waitFor(
        () => collector.records.length >= before + 4,
        timeoutMs,
        () => `${before + 4} records after seeking ahead, got ${collector.records.length}`,
      );
      await sleep(quietMs);
      assert.deepEqual(
        collector.records.slice(before + 2).map((r) => r.offset),
        [15, 16],
      );
      collector.assertHealthy();
    });

    test('endOffsets, startOffsets, committedOffsets and setCommittedOffsets', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('offsets');
      const group = unique('group');
      await log.ensureTopic({ name: topic, partitions: P });
      const k0 = keyFor(0, P, 'off');
      const k1 = keyFor(1, P, 'off');
      await log.append(topic, [
        ...Array.from({ length: 5 }, (_, i) => record(`a${i}`, k0)),
        ...Array.from({ length: 2 }, (_, i) => record(`b${i}`, k1)),
      ]);
      const ends = [5, 2, ...Array(P - 2).fill(0)];
      assert.deepEqual(await log.endOffsets(topic), ends);
      assert.deepEqual(await log.startOffsets(topic), Array(P).fill(0));
      assert.deepEqual(await log.committedOffsets(group, topic), Array(P).fill(null));

      await log.setCommittedOffsets(group, topic, [
        { partition: 0, offset: 3 },
        { partition: 1, offset: 1 },
      ]);
      assert.deepEqual(await log.committedOffsets(group, topic), [3, 1, ...Array(P - 2).fill(null)]);
      await log.setCommittedOffsets(group, topic, [{ partition: 0, offset: 2 }]);
      assert.deepEqual(await log.committedOffsets(group, topic), [2, 1, ...Array(P - 2).fill(null)]);

      const collector = new Collector(topic);
      const { consumer } = await consumeAssigned(ctx, log, { group, topic, onBatch: collector.onBatch });
      await waitFor(
        () => collector.records.length >= 4,
        timeoutMs,
        () => `4 records, got ${collector.records.length}`,
      );
      await sleep(quietMs);
      assert.deepEqual(collector.records.map((r) => `${r.partition}:${r.offset}`).sort(), [
        '0:2',
        '0:3',
        '0:4',
        '1:1',
      ]);
      // A group with a live consumer cannot be reset.
      await assert.rejects(log.setCommittedOffsets(group, topic, [{ partition: 0, offset: 0 }]));
      await consumer.close();
      await log.setCommittedOffsets(group, topic, [{ partition: 0, offset: 0 }]);
      assert.deepEqual(await log.committedOffsets(group, topic), [0, 1, ...Array(P - 2).fill(null)]);
      collector.assertHealthy();
    });

    test('read() pages through a partition without a group', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('read');
      await log.ensureTopic({ name: topic, partitions: 1 });
      await log.append(
        topic,
        Array.from({ length: 10 }, (_, i) => record(`v${i}`, `k${i}`, { n: String(i) })),
      );
      const head = await log.read(topic, 0, 0, 3);
      assert.deepEqual(
        head.map((r) => r.offset),
        [0, 1, 2],
      );
      const tail = await log.read(topic, 0, 7, 100);
      assert.deepEqual(
        tail.map((r) => [r.offset, r.key, Buffer.from(r.value!).toString(), r.headers.n]),
        [
          [7, 'k7', 'v7', '7'],
          [8, 'k8', 'v8', '8'],
          [9, 'k9', 'v9', '9'],
        ],
      );
      assert.deepEqual(await log.read(topic, 0, 10, 5), []);
    });

    test('close waits for the batch in flight, then revokes; commits in onRevoke persist', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('close');
      const group = unique('group');
      await log.ensureTopic({ name: topic, partitions: P });
      const key = keyFor(0, P, 'close');
      await log.append(topic, [record('one', key), record('two', key)]);
      const events: string[] = [];
      const started = deferred();
      let consumer: Consumer | undefined;
      const assigned = deferred();
      consumer = await ctx.consume(log, {
        group,
        topic,
        onAssign: () => assigned.resolve(),
        onBatch: async (batch) => {
          events.push(`batch ${batch.partition}`);
          started.resolve();
          await sleep(300);
          events.push('batch done');
        },
        onRevoke: async (partitions) => {
          events.push(`revoke ${[...partitions].sort((a, b) => a - b).join(',')}`);
          await consumer!.commit(0, 2);
        },
      });
      await assigned.promise;
      await started.promise;
      await consumer.close();
      events.push('closed');
      assert.deepEqual(events, ['batch 0', 'batch done', `revoke ${all.join(',')}`, 'closed']);
      assert.deepEqual(await log.committedOffsets(group, topic), [2, ...Array(P - 1).fill(null)]);
      await log.append(topic, [record('three', key)]);
      await sleep(quietMs);
      assert.equal(events.length, 4, 'a closed consumer received a batch');
    });

    test('one live consumer per group and topic', async (t) => {
      const ctx = context(t);
      const log = await ctx.open();
      const topic = unique('exclusive');
      const other = unique('exclusive-other');
      const group = unique('group');
      await log.ensureTopic({ name: topic, partitions: P });
      await log.ensureTopic({ name: other, partitions: P });
      const noop = async () => {};
      const first = await ctx.consume(log, { group, topic, onBatch: noop });
      await assert.rejects(log.consume({ group, topic, onBatch: noop }));
      // Another group, or the same group on another topic, is fine.
      await ctx.consume(log, { group: unique('group'), topic, onBatch: noop });
      await ctx.consume(log, { group, topic: other, onBatch: noop });
      await first.close();
      await ctx.consume(log, { group, topic, onBatch: noop });
    });

    test('records and committed offsets survive close and reopen', async (t) => {
      const ctx = context(t);
      const topic = unique('durable');
      const group = unique('group');
      const records = [
        record('alpha', 'a', { ce_id: '1' }),
        { key: 'b', value: null, headers: { ce_id: '2' } },
        { key: null, value: new Uint8Array([0, 255, 1, 254]), headers: {} },
        ...Array.from({ length: 20 }, (_, i) => record(`bulk-${i}`, `bulk-${i % 4}`)),
      ];
      const log = await open();
      let results: AppendResult[];
      let ends: number[];
      try {
        await log.ensureTopic({ name: topic, partitions: P });
        results = await log.append(topic, records);
        await log.setCommittedOffsets(group, topic, [{ partition: 1, offset: 1 }]);
        ends = await log.endOffsets(topic);
      } finally {
        await log.close();
      }
      await log.close(); // idempotent

      const reopened = await ctx.open();
      assert.equal(await reopened.partitions(topic), P);
      assert.deepEqual(await reopened.endOffsets(topic), ends);
      assert.deepEqual(await reopened.committedOffsets(group, topic), [null, 1, ...Array(P - 2).fill(null)]);
      for (let i = 0; i < records.length; i++) {
        const at = results[i]!;
        const [stored] = await reopened.read(topic, at.partition, at.offset, 1);
        assert.ok(stored, `record ${i} lost`);
        sameRecord(stored, records[i]!, `record ${i}`);
      }
      const [next] = await reopened.append(topic, [record('after', 'a')]);
      assert.equal(next!.partition, results[0]!.partition);
      assert.equal(next!.offset, ends[next!.partition]);
    });

    test('a closed log rejects operations with EY_LOG_CLOSED', async () => {
      const log = await open();
      const topic = unique('closed');
      await log.ensureTopic({ name: topic, partitions: 1 });
      await log.close();
      await log.close();
      const closed = (error: unknown) => isEventyardError(error, 'EY_LOG_CLOSED');
      await assert.rejects(log.append(topic, [record('x')]), closed);
      await assert.rejects(log.endOffsets(topic), closed);
      await assert.rejects(log.read(topic, 0, 0, 1), closed);
      await assert.rejects(log.consume({ group: unique('group'), topic, onBatch: async () => {} }), closed);
      assert.equal(await log.writable(), false);
    });
  });
}
