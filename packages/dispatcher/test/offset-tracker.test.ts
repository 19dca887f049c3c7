import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OffsetTracker } from '../src/offset-tracker.ts';

test('only the contiguous prefix of finished records is committable', () => {
  const tracker = new OffsetTracker();
  const partition = tracker.partition(0);
  const a = partition.track(10, 1);
  const b = partition.track(11, 2);
  const c = partition.track(12, 1);
  assert.deepEqual(tracker.pending(), [{ partition: 0, offset: 10 }]);
  tracker.committed(0, 10);
  assert.deepEqual(tracker.pending(), []);

  c.finishOne();
  b.finishOne();
  assert.deepEqual(tracker.pending(), [], 'out-of-order completion never skips the open record at 10');
  a.finishOne();
  assert.deepEqual(
    tracker.pending(),
    [{ partition: 0, offset: 11 }],
    'record 11 still has one delivery open',
  );
  b.finishOne();
  assert.deepEqual(tracker.pending(), [{ partition: 0, offset: 13 }]);
  assert.equal(tracker.openCount, 0);
});

test('records with no match finish at once, and gaps in offsets are passed over', () => {
  const tracker = new OffsetTracker();
  const partition = tracker.partition(3);
  partition.track(0, 0);
  assert.deepEqual(tracker.pending(), [{ partition: 3, offset: 1 }]);
  // Offsets 1..4 were deleted by retention: the log never hands them over.
  const open = partition.track(5, 1);
  partition.track(6, 0);
  assert.deepEqual(tracker.pending(), [{ partition: 3, offset: 5 }]);
  open.finishOne();
  open.finishOne();
  assert.deepEqual(
    tracker.pending(),
    [{ partition: 3, offset: 7 }],
    'a second finish of a record changes nothing',
  );
});

test('a dropped (revoked) partition is forgotten', () => {
  const tracker = new OffsetTracker();
  const ticket = tracker.partition(1).track(0, 1);
  tracker.drop(1);
  ticket.finishOne();
  assert.deepEqual(tracker.pending(), []);
});
