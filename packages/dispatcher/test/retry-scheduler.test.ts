import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetryScheduler } from '../src/retry-scheduler.ts';

test('items come out when due, earliest first, ties in insertion order', async () => {
  const out: string[] = [];
  let space = 0;
  const scheduler = new RetryScheduler<string>(
    3,
    Date.now,
    (item) => out.push(item),
    () => space++,
  );
  const now = Date.now();
  scheduler.add(now + 120, 'late');
  scheduler.add(now + 40, 'early-1');
  scheduler.add(now + 40, 'early-2');
  assert.equal(scheduler.full, true);
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.deepEqual(out, ['early-1', 'early-2']);
  assert.equal(space, 1, 'room again after a full buffer');
  assert.equal(scheduler.full, false);
  scheduler.add(now - 1000, 'overdue');
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(out, ['early-1', 'early-2', 'overdue']);
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.deepEqual(out, ['early-1', 'early-2', 'overdue', 'late']);
  assert.equal(scheduler.size, 0);
  scheduler.close();
});

test('close drops everything and fires nothing', async () => {
  const out: number[] = [];
  const scheduler = new RetryScheduler<number>(
    10,
    Date.now,
    (item) => out.push(item),
    () => {},
  );
  for (let i = 0; i < 5; i++) scheduler.add(Date.now() + 20 + i, i);
  scheduler.close();
  scheduler.add(Date.now(), 99);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.deepEqual(out, []);
});
