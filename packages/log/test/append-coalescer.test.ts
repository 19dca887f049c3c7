import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AppendCoalescer, type EventLog, type LogRecord, openEmbeddedLog } from '../src/index.ts';

test('concurrent appends share log writes and each caller gets its own offsets', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'coalesce-'));
  const log = await openEmbeddedLog({ dir });
  t.after(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  await log.ensureTopic({ name: 'topic', partitions: 1 });
  let calls = 0;
  // Counts the writes reaching the real log.
  const counting: EventLog = Object.assign(Object.create(log) as EventLog, {
    append: (topic: string, records: LogRecord[]) => {
      calls++;
      return log.append(topic, records);
    },
  });
  const coalescer = new AppendCoalescer(counting);
  const record = (i: number): LogRecord => ({ key: null, value: Buffer.from(String(i)), headers: {} });
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      coalescer.append('topic', i % 3 === 0 ? [record(i), record(i)] : [record(i)]),
    ),
  );
  assert.ok(calls < 20, `200 concurrent appends took ${calls} log writes`);
  const offsets = results.flat().map((r) => r.offset);
  assert.equal(new Set(offsets).size, offsets.length, 'no two records share an offset');
  const stored = await log.read('topic', 0, 0, 1000);
  for (const [i, result] of results.entries()) {
    for (const r of result) assert.equal(Buffer.from(stored[r.offset]!.value!).toString(), String(i));
  }
});

test('a failed write rejects only the callers in it; later appends proceed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'coalesce-'));
  const log = await openEmbeddedLog({ dir });
  t.after(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  const coalescer = new AppendCoalescer(log);
  await assert.rejects(coalescer.append('no-such-topic', [{ key: null, value: null, headers: {} }]));
  await log.ensureTopic({ name: 'ok', partitions: 1 });
  const [result] = await coalescer.append('ok', [{ key: null, value: null, headers: {} }]);
  assert.equal(result?.offset, 0);
});

test('write calls back with its context once the records are durable, or with the error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'coalesce-'));
  const log = await openEmbeddedLog({ dir });
  t.after(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  await log.ensureTopic({ name: 'topic', partitions: 1 });
  const coalescer = new AppendCoalescer(log);
  const outcomes: Array<{ id: number; error: unknown; stored: number }> = [];
  await new Promise<void>((resolve) => {
    const done = (error: unknown, context: { id: number }) => {
      // The records are readable by the time the callback runs.
      void log.read('topic', 0, 0, 100).then((stored) => {
        outcomes.push({ id: context.id, error, stored: stored.length });
        if (outcomes.length === 3) resolve();
      });
    };
    for (let id = 0; id < 3; id++) {
      coalescer.write('topic', [{ key: null, value: Buffer.from(String(id)), headers: {} }], done, { id });
    }
  });
  assert.deepEqual(
    outcomes.sort((a, b) => a.id - b.id),
    [0, 1, 2].map((id) => ({ id, error: undefined, stored: 3 })),
  );

  const failed = await new Promise<unknown>((resolve) => {
    coalescer.write(
      'no-such-topic',
      [{ key: null, value: null, headers: {} }],
      (error) => resolve(error),
      null,
    );
  });
  assert.ok(failed instanceof Error);
});
