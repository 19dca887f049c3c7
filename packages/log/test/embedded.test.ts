import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isEventyardError } from '@eventyard/core';
import { type EventLog, type LogRecord, openEmbeddedLog, type StoredRecord } from '../src/index.ts';
import { runConformanceSuite } from './conformance.ts';
import { FIXTURE_PARTITIONS, fixtureRecord } from './fixtures/records.ts';

const root = await mkdtemp(join(tmpdir(), 'eventyard-log-'));
after(() => rm(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `log-${++dirs}`);

// Every open() of the suite reopens the same directory, so durability is checked across handles.
const suiteDir = freshDir();
runConformanceSuite('embedded', () => openEmbeddedLog({ dir: suiteDir }));

const record = (value: string | Uint8Array, key: string | null = null): LogRecord => ({
  key,
  value: typeof value === 'string' ? Buffer.from(value) : value,
  headers: {},
});

async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function opened(t: { after(fn: () => unknown): void }, log: Promise<EventLog>): Promise<EventLog> {
  const l = await log;
  t.after(() => l.close());
  return l;
}

test('retention by age deletes old records without moving offsets, periodically and on open', async (t) => {
  const dir = freshDir();
  let now = 1_000_000;
  const clock = () => now;
  const log = await openEmbeddedLog({ dir, clock, retentionCheckIntervalMs: 10 });
  t.after(() => log.close());
  await log.ensureTopic({ name: 'aged', partitions: 1, retentionMs: 1_000 });
  await log.append(
    'aged',
    Array.from({ length: 5 }, (_, i) => record(`old-${i}`)),
  );
  now += 600;
  await log.append(
    'aged',
    Array.from({ length: 5 }, (_, i) => record(`young-${i}`)),
  );
  now += 500; // the first five are now 1 100 ms old, the others 500 ms
  await waitFor(async () => (await log.startOffsets('aged'))[0] === 5, 'the first five to expire');
  assert.deepEqual(await log.endOffsets('aged'), [10]);
  const left = await log.read('aged', 0, 0, 100);
  assert.deepEqual(
    left.map((r) => [r.offset, Buffer.from(r.value!).toString()]),
    Array.from({ length: 5 }, (_, i) => [5 + i, `young-${i}`]),
  );
  const [next] = await log.append('aged', [record('newest')]);
  assert.equal(next!.offset, 10, 'offsets continue after deletion');
  await log.close();

  // Reopened long after: everything expired at open, and the next offset is kept.
  now += 10_000;
  const reopened = await opened(t, openEmbeddedLog({ dir, clock, retentionCheckIntervalMs: 3_600_000 }));
  assert.deepEqual(await reopened.startOffsets('aged'), [11]);
  assert.deepEqual(await reopened.endOffsets('aged'), [11]);
  assert.deepEqual(await reopened.read('aged', 0, 0, 10), []);
  const received: StoredRecord[] = [];
  const consumer = await reopened.consume({
    group: 'g',
    topic: 'aged',
    onBatch: async (batch) => {
      received.push(...batch.records);
    },
  });
  t.after(() => consumer.close());
  await reopened.append('aged', [record('after-expiry')]);
  await waitFor(() => received.length === 1, 'the record after expiry');
  assert.equal(received[0]!.offset, 11);
});

test('retention by size keeps the newest records of each partition within the limit', async (t) => {
  const dir = freshDir();
  const log = await opened(t, openEmbeddedLog({ dir, retentionCheckIntervalMs: 10 }));
  // Unkeyed, header-less 300-byte records count 300 bytes each: 3 fit in 1 000.
  await log.ensureTopic({ name: 'sized', partitions: 2, retentionBytes: 1_000 });
  await log.ensureTopic({ name: 'unlimited', partitions: 1 });
  const payload = new Uint8Array(300);
  for (let call = 0; call < 2; call++) {
    // Calls rotate unkeyed records over the partitions: one call per partition.
    await log.append(
      'sized',
      Array.from({ length: 10 }, () => record(payload)),
    );
  }
  await log.append(
    'unlimited',
    Array.from({ length: 10 }, () => record(payload)),
  );
  await waitFor(
    async () => (await log.startOffsets('sized')).every((offset) => offset === 7),
    'size retention on both partitions',
  );
  assert.deepEqual(await log.endOffsets('sized'), [10, 10]);
  for (const p of [0, 1]) {
    assert.deepEqual(
      (await log.read('sized', p, 0, 100)).map((r) => r.offset),
      [7, 8, 9],
    );
  }
  assert.deepEqual(await log.startOffsets('unlimited'), [0], 'a topic without limits is untouched');
});

test('acknowledged appends survive SIGKILL of the writing process', async (t) => {
  const dir = freshDir();
  const fixture = fileURLToPath(new URL('./fixtures/append-loop.ts', import.meta.url));
  const child = spawn(process.execPath, [fixture, dir, 'crash'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_, signal) => resolve(signal)),
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const acked: Array<{ seq: number; partition: number; offset: number }> = [];
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!; // a line cut by the kill is not an acknowledgement
    for (const line of lines) {
      const [seq, partition, offset] = line.split(' ').map(Number);
      acked.push({ seq: seq!, partition: partition!, offset: offset! });
    }
    // Kill in the middle of the stream of bursts, not between runs.
    if (acked.length >= 600 && child.exitCode === null) child.kill('SIGKILL');
  });
  const signal = await exited;
  assert.equal(signal, 'SIGKILL', `the writer ended on its own: ${stderr}`);
  assert.ok(acked.length >= 600, `only ${acked.length} acknowledgements`);

  const log = await opened(t, openEmbeddedLog({ dir }));
  assert.equal(await log.partitions('crash'), FIXTURE_PARTITIONS);
  const stored = new Map<string, StoredRecord>();
  const ends = await log.endOffsets('crash');
  for (let p = 0; p < FIXTURE_PARTITIONS; p++) {
    for (let from = 0; from < ends[p]!; ) {
      const page = await log.read('crash', p, from, 200);
      for (const r of page) {
        assert.equal(r.offset, from, `partition ${p} has a gap`);
        from++;
        stored.set(`${p}:${r.offset}`, r);
        // Every stored record, acknowledged or not, is whole.
        const expected = fixtureRecord(Number(r.headers.seq));
        assert.deepEqual({ ...r.headers }, expected.headers);
        assert.equal(r.key, expected.key);
        assert.deepEqual(
          r.value === null ? null : Buffer.from(r.value),
          expected.value && Buffer.from(expected.value),
        );
      }
      if (page.length === 0) break;
    }
  }
  for (const { seq, partition, offset } of acked) {
    const r = stored.get(`${partition}:${offset}`);
    assert.ok(r, `acknowledged record ${seq} at ${partition}:${offset} was lost`);
    assert.equal(r.headers.seq, String(seq));
  }
});

test('appends in this process wake a waiting consumer at once, without the poll', async (t) => {
  const log = await opened(t, openEmbeddedLog({ dir: freshDir(), pollIntervalMs: 3_600_000 }));
  await log.ensureTopic({ name: 'wake', partitions: 4 });
  const arrivals: number[] = [];
  const consumer = await log.consume({
    group: 'g',
    topic: 'wake',
    onBatch: async (batch) => {
      arrivals.push(...batch.records.map(() => Date.now()));
    },
  });
  t.after(() => consumer.close());
  await sleep(50); // every partition is idle now
  for (let i = 0; i < 5; i++) {
    const sent = Date.now();
    await log.append('wake', [record(`r${i}`, `key-${i}`)]);
    await waitFor(() => arrivals.length === i + 1, `record ${i}`, 1_000);
    assert.ok(arrivals[i]! - sent < 500, `woken after ${arrivals[i]! - sent} ms`);
  }
});

test('the poll picks up records appended by another process', async (t) => {
  const dir = freshDir();
  const log = await opened(t, openEmbeddedLog({ dir, pollIntervalMs: 50 }));
  await log.ensureTopic({ name: 'remote', partitions: FIXTURE_PARTITIONS });
  const received: StoredRecord[] = [];
  const consumer = await log.consume({
    group: 'g',
    topic: 'remote',
    onBatch: async (batch) => {
      received.push(...batch.records);
    },
  });
  t.after(() => consumer.close());
  const fixture = fileURLToPath(new URL('./fixtures/append-loop.ts', import.meta.url));
  const child = spawn(process.execPath, [fixture, dir, 'remote', '20'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0);
  const total = (await log.endOffsets('remote')).reduce((a, b) => a + b, 0);
  assert.ok(total >= 20);
  await waitFor(() => received.length === total, `${total} records from the other process`);
});

test('a rejected onBatch is offered again from the same offset and reported', async (t) => {
  const errors: string[] = [];
  const onError = (error: Error) => errors.push(error.message);
  const log = await opened(t, openEmbeddedLog({ dir: freshDir(), onError }));
  await log.ensureTopic({ name: 'retry', partitions: 1 });
  await log.append('retry', [record('a'), record('b')]);
  const seen: number[] = [];
  let failures = 0;
  const consumer = await log.consume({
    group: 'g',
    topic: 'retry',
    onBatch: async (batch) => {
      seen.push(...batch.records.map((r) => r.offset));
      if (failures++ === 0) throw new Error('subscriber down');
    },
  });
  t.after(() => consumer.close());
  await waitFor(() => seen.length >= 4, 'redelivery', 5_000);
  assert.deepEqual(seen, [0, 1, 0, 1]);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /onBatch failed for partition 0 of topic "retry": subscriber down/);
});

test('handles on the same directory share wake-ups and the one-consumer rule', async (t) => {
  const dir = freshDir();
  const a = await opened(t, openEmbeddedLog({ dir, pollIntervalMs: 3_600_000 }));
  const b = await opened(t, openEmbeddedLog({ dir, pollIntervalMs: 3_600_000 }));
  await a.ensureTopic({ name: 'shared', partitions: 2 });
  const received: StoredRecord[] = [];
  const consumer = await b.consume({
    group: 'g',
    topic: 'shared',
    onBatch: async (batch) => {
      received.push(...batch.records);
    },
  });
  t.after(() => consumer.close());
  await assert.rejects(a.consume({ group: 'g', topic: 'shared', onBatch: async () => {} }), (error) =>
    isEventyardError(error, 'EY_GROUP_ACTIVE'),
  );
  await assert.rejects(a.setCommittedOffsets('g', 'shared', [{ partition: 0, offset: 0 }]), (error) =>
    isEventyardError(error, 'EY_GROUP_ACTIVE'),
  );
  await a.append('shared', [record('x', 'k1'), record('y', 'k2')]);
  await waitFor(() => received.length === 2, 'records appended through the other handle', 1_000);
});

test('errors name the problem: unusable directory, unknown topic, bad arguments', async (t) => {
  const file = join(root, 'not-a-directory');
  await writeFile(file, 'x');
  await assert.rejects(openEmbeddedLog({ dir: join(file, 'log') }), (error) => {
    assert.ok(isEventyardError(error, 'EY_LOG_UNAVAILABLE'));
    assert.match(error.message, /not-a-directory/);
    assert.equal(error.status, 503);
    return true;
  });
  const log = await opened(t, openEmbeddedLog({ dir: freshDir() }));
  await assert.rejects(log.append('missing', [record('x')]), (error) =>
    isEventyardError(error, 'EY_TOPIC_NOT_FOUND'),
  );
  await assert.rejects(log.endOffsets('missing'), (error) => isEventyardError(error, 'EY_TOPIC_NOT_FOUND'));
  await log.ensureTopic({ name: 'present', partitions: 2 });
  await assert.rejects(log.read('present', 2, 0, 1), (error) =>
    isEventyardError(error, 'EY_TOPIC_NOT_FOUND'),
  );
  await assert.rejects(log.ensureTopic({ name: 'bad', partitions: 0 }), (error) =>
    isEventyardError(error, 'EY_INVALID_CONFIG'),
  );
  await assert.rejects(
    log.append('present', [{ key: null, value: 'text' as unknown as Uint8Array, headers: {} }]),
    (error) => isEventyardError(error, 'EY_INVALID_CONFIG'),
  );
  // The rejected call left nothing behind.
  assert.deepEqual(await log.endOffsets('present'), [0, 0]);
});

test('writable() turns false when the log directory disappears', async (t) => {
  const dir = freshDir();
  const log = await opened(t, openEmbeddedLog({ dir }));
  assert.equal(await log.writable(), true);
  await rm(dir, { recursive: true, force: true });
  assert.equal(await log.writable(), false);
});
