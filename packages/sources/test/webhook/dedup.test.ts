import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DedupWindow } from '@eventyard/sources';

test('remembers ids for the window, then forgets them', () => {
  let now = 1000;
  const window = new DedupWindow(500, 10, () => now);
  window.add('a');
  now += 200;
  window.add('b');
  assert.equal(window.has('a'), true);
  now += 300; // a is 500 ms old: expired; b is 300 ms old
  assert.equal(window.has('a'), false);
  assert.equal(window.has('b'), true);
  assert.equal(window.size, 1);
});

test('keeps at most maxEntries, dropping the oldest', () => {
  const window = new DedupWindow(60_000, 2, () => 0);
  window.add('a');
  window.add('b');
  window.add('c');
  assert.deepEqual(
    ['a', 'b', 'c'].map((id) => window.has(id)),
    [false, true, true],
  );
});

test('a zero window remembers nothing', () => {
  const window = new DedupWindow(0, 10);
  window.add('a');
  assert.equal(window.enabled, false);
  assert.equal(window.has('a'), false);
});
