import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEventyardError } from '../../src/errors.ts';
import { resolveDelivery } from '../../src/resources/delivery.ts';
import { resolveDestination } from '../../src/resources/destination.ts';
import type { Destination } from '../../src/resources/types.ts';

const resolve = (dest: Destination) => resolveDestination(dest, 'callcenter');

test('built-in defaults follow Knative config-br-defaults', () => {
  assert.deepEqual(resolveDelivery(undefined, undefined, resolve), {
    retry: 10,
    backoffPolicy: 'exponential',
    backoffDelayMs: 200,
    timeoutMs: 30_000,
    retryAfterMaxMs: 60_000,
    format: 'binary',
    deadLetterUri: undefined,
  });
});

test('trigger fields win over broker fields, which win over built-ins, field by field', () => {
  const delivery = resolveDelivery(
    { retry: 5, timeout: 'PT5S' },
    {
      retry: 2,
      backoffPolicy: 'linear',
      backoffDelay: 'PT1S',
      retryAfterMax: 'PT0S',
      format: 'json',
      deadLetterSink: { uri: 'http://broker-dls/' },
    },
    resolve,
  );
  assert.deepEqual(delivery, {
    retry: 5,
    backoffPolicy: 'linear',
    backoffDelayMs: 1_000,
    timeoutMs: 5_000,
    retryAfterMaxMs: 0,
    format: 'json',
    deadLetterUri: 'http://broker-dls/',
  });
  assert.equal(
    resolveDelivery({ retry: 0 }, { retry: 3 }, resolve).retry,
    0,
    'zero retries is a value, not absence',
  );
});

test("the trigger's dead-letter sink wins over the broker's and is resolved", () => {
  const delivery = resolveDelivery(
    { deadLetterSink: { ref: { apiVersion: 'v1', kind: 'Service', name: 'dead-letters' }, uri: '/in' } },
    { deadLetterSink: { uri: 'http://broker-dls/' } },
    resolve,
  );
  assert.equal(delivery.deadLetterUri, 'http://dead-letters.callcenter.svc.cluster.local/in');
});

test('an unresolvable sink says whose it is and where', () => {
  const brokerSink = {
    deadLetterSink: { ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'dls' } },
  };
  assert.throws(
    () => resolveDelivery(undefined, brokerSink, resolve),
    (error) =>
      isEventyardError(error, 'EY_INVALID_RESOURCE') &&
      error.details?.owner === 'broker' &&
      error.details.path === '/deadLetterSink/ref' &&
      /^deadLetterSink: cannot resolve a ref to Broker "dls"/.test(error.message),
  );
  assert.throws(
    () => resolveDelivery({ deadLetterSink: { uri: 'ftp://x/' } }, brokerSink, resolve),
    (error) =>
      isEventyardError(error, 'EY_INVALID_RESOURCE') &&
      error.details?.owner === 'trigger' &&
      error.details.path === '/deadLetterSink/uri',
  );
});
