import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusPatch } from '../src/kubernetes/status.ts';

const NOW = new Date('2026-05-01T10:00:00.123Z');
const EARLIER = '2026-04-01T09:00:00Z';

test('a first status: Ready condition with a whole-second lastTransitionTime, observedGeneration and the address', () => {
  assert.deepEqual(
    statusPatch(
      'Broker',
      { ready: true, observedGeneration: 3, addressUrl: 'http://in/ns/b' },
      undefined,
      NOW,
    ),
    {
      observedGeneration: 3,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-05-01T10:00:00Z' }],
      address: { url: 'http://in/ns/b' },
    },
  );
});

test('nothing to write when the status already says the same, whatever its time', () => {
  const current = {
    observedGeneration: 2,
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'FilterInvalid',
        message: 'bad',
        lastTransitionTime: EARLIER,
      },
    ],
  };
  const desired = { ready: false, reason: 'FilterInvalid', message: 'bad', observedGeneration: 2 };
  assert.equal(statusPatch('Trigger', desired, current, NOW), undefined);
});

test('lastTransitionTime is kept while Ready stays, and renewed when it flips', () => {
  const current = {
    observedGeneration: 1,
    conditions: [
      { type: 'Ready', status: 'False', reason: 'BrokerNotFound', message: 'a', lastTransitionTime: EARLIER },
    ],
  };
  const same = statusPatch(
    'Trigger',
    { ready: false, reason: 'FilterInvalid', message: 'b', observedGeneration: 2 },
    current,
    NOW,
  );
  assert.deepEqual(same?.conditions, [
    { type: 'Ready', status: 'False', reason: 'FilterInvalid', message: 'b', lastTransitionTime: EARLIER },
  ]);
  const flipped = statusPatch(
    'Trigger',
    { ready: true, observedGeneration: 2, subscriberUri: 'http://s/' },
    current,
    NOW,
  );
  assert.deepEqual(flipped, {
    observedGeneration: 2,
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-05-01T10:00:00Z' }],
    subscriberUri: 'http://s/',
  });
});

test('conditions written by others are kept; a target that went away is removed (merge patch null)', () => {
  const current = {
    conditions: [
      { type: 'Audited', status: 'True' },
      { type: 'Ready', status: 'True', lastTransitionTime: EARLIER },
    ],
    subscriberUri: 'http://old/',
  };
  const patch = statusPatch(
    'Trigger',
    { ready: false, reason: 'SubscriberInvalid', message: 'm' },
    current,
    NOW,
  );
  assert.deepEqual(patch, {
    observedGeneration: null,
    conditions: [
      { type: 'Audited', status: 'True' },
      {
        type: 'Ready',
        status: 'False',
        reason: 'SubscriberInvalid',
        message: 'm',
        lastTransitionTime: '2026-05-01T10:00:00Z',
      },
    ],
    subscriberUri: null,
  });
  const broker = statusPatch(
    'Broker',
    { ready: false, reason: 'Conflict', message: 'm' },
    { address: { url: 'x' } },
    NOW,
  );
  assert.equal(broker?.address, null);
});
