import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hopsLeft, MAX_TTL } from '../../src/index.ts';

test('a TTL that is not a 32-bit CloudEvents Integer counts as the default, as Knative resets it', () => {
  for (const ttl of [
    undefined,
    '99999999999999999999',
    '2147483648',
    '-2147483649',
    '1e3',
    '1.5',
    'lots',
    '',
    ' 7',
  ]) {
    assert.equal(hopsLeft(ttl), MAX_TTL, String(ttl));
  }
});

test('a TTL above 255 is lowered to 255; one in range is kept; zero and below are spent', () => {
  assert.equal(hopsLeft('2147483647'), 255);
  assert.equal(hopsLeft('256'), 255);
  assert.equal(hopsLeft('255'), 255);
  assert.equal(hopsLeft('7'), 7);
  assert.equal(hopsLeft('1'), 1);
  assert.equal(hopsLeft('0'), 0);
  assert.equal(hopsLeft('-3'), -3);
});
