import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEventyardError } from '../../src/errors.ts';
import { parseIsoDuration } from '../../src/resources/duration.ts';

test('parses the ISO 8601 durations Knative delivery specs use', () => {
  assert.equal(parseIsoDuration('PT0.2S'), 200);
  assert.equal(parseIsoDuration('PT5S'), 5_000);
  assert.equal(parseIsoDuration('PT1M30S'), 90_000);
  assert.equal(parseIsoDuration('PT1H'), 3_600_000);
  assert.equal(parseIsoDuration('P1D'), 86_400_000);
  assert.equal(parseIsoDuration('P1W'), 604_800_000);
  assert.equal(parseIsoDuration('P1DT2H'), 93_600_000);
  assert.equal(parseIsoDuration('PT0S'), 0);
  assert.equal(parseIsoDuration('PT0,5S'), 500);
  assert.equal(parseIsoDuration('PT1.5M'), 90_000);
});

test('rejects what is not a duration, naming the accepted form', () => {
  for (const text of [
    '',
    'P',
    'PT',
    'P1DT',
    '5s',
    'PT5',
    'T5S',
    'pt5s',
    'P1Y',
    'P2M',
    '-PT5S',
    'PT5S ',
    '1000',
  ]) {
    assert.throws(
      () => parseIsoDuration(text),
      (error) =>
        isEventyardError(error, 'EY_INVALID_RESOURCE') &&
        /ISO 8601 duration such as PT0\.2S/.test(error.message),
      text,
    );
  }
});
