import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKOFF_JITTER, backoffDelayMs, MAX_BACKOFF_MS, parseRetryAfter } from '../src/backoff.ts';
import { isEventyardError } from '../src/errors.ts';

const middle = () => 0.5; // jitter factor 1: the Knative delay itself

test('linear backoff is delay × n, n counting retries from 1', () => {
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => backoffDelayMs('linear', 200, n, middle)),
    [200, 400, 600, 800],
  );
});

test('exponential backoff is delay × 2^n, n counting retries from 1', () => {
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => backoffDelayMs('exponential', 200, n, middle)),
    [400, 800, 1600, 3200],
  );
});

test('jitter spreads the delay over ±20% around it', () => {
  assert.equal(BACKOFF_JITTER, 0.2);
  assert.equal(
    backoffDelayMs('linear', 1000, 1, () => 0),
    800,
  );
  assert.equal(
    backoffDelayMs('linear', 1000, 1, () => 0.999_999),
    1200,
  );
  assert.equal(
    backoffDelayMs('exponential', 1000, 2, () => 0.25),
    3600,
  );
  let low = Number.POSITIVE_INFINITY;
  let high = 0;
  for (let i = 0; i < 2000; i++) {
    const d = backoffDelayMs('exponential', 100, 3);
    low = Math.min(low, d);
    high = Math.max(high, d);
  }
  assert.ok(low >= 640 && high <= 960, `within ±20% of 800 (${low}..${high})`);
  assert.ok(high - low > 200, 'and actually spread');
});

test('a zero delay stays zero and huge delays are capped to what a timer accepts', () => {
  assert.equal(backoffDelayMs('exponential', 0, 5, middle), 0);
  assert.equal(backoffDelayMs('exponential', 1000, 60, middle), MAX_BACKOFF_MS);
  assert.equal(backoffDelayMs('exponential', 1000, 5000, middle), MAX_BACKOFF_MS);
});

test('invalid inputs are programming errors', () => {
  for (const [delay, attempt] of [
    [-1, 1],
    [Number.NaN, 1],
    [100, 0],
    [100, 1.5],
  ] as const) {
    assert.throws(
      () => backoffDelayMs('linear', delay, attempt),
      (e: unknown) => isEventyardError(e, 'EY_INTERNAL'),
    );
  }
});

const NOW = Date.UTC(2024, 4, 1, 10, 0, 0); // Wed, 01 May 2024 10:00:00 GMT

test('Retry-After in delay-seconds', () => {
  assert.equal(parseRetryAfter('120', NOW), 120_000);
  assert.equal(parseRetryAfter('0', NOW), 0);
  assert.equal(parseRetryAfter(' 5 ', NOW), 5000);
});

test('Retry-After as an HTTP-date, in the three RFC 9110 formats', () => {
  assert.equal(parseRetryAfter('Wed, 01 May 2024 10:00:30 GMT', NOW), 30_000);
  assert.equal(parseRetryAfter('Wednesday, 01-May-24 10:01:00 GMT', NOW), 60_000);
  assert.equal(parseRetryAfter('Wed May  1 10:00:02 2024', NOW), 2000, 'asctime is UTC');
  assert.equal(parseRetryAfter('Tue, 30 Apr 2024 10:00:00 GMT', NOW), 0, 'a past date means now');
});

test('Retry-After that is absent or invalid gives undefined', () => {
  for (const value of [
    undefined,
    '',
    '-5',
    '1.5',
    'soon',
    '2024-05-01T10:00:30Z',
    'Wed, 31 Feb 2024 10:00:00 GMT',
    'Wed, 01 Foo 2024 10:00:00 GMT',
  ]) {
    assert.equal(parseRetryAfter(value, NOW), undefined, String(value));
  }
});
