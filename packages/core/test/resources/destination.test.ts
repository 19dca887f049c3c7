import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEventyardError } from '../../src/errors.ts';
import { resolveDestination } from '../../src/resources/destination.ts';

test('an absolute http(s) uri is used as is', () => {
  assert.equal(resolveDestination({ uri: 'http://localhost:9090/' }, 'default'), 'http://localhost:9090/');
  assert.equal(
    resolveDestination({ uri: 'https://risk-control.callcenter.svc/events?x=1' }, 'default'),
    'https://risk-control.callcenter.svc/events?x=1',
  );
});

test('a ref to a Service or a Knative Service resolves to its cluster-local address', () => {
  assert.equal(
    resolveDestination({ ref: { apiVersion: 'v1', kind: 'Service', name: 'risk-control' } }, 'callcenter'),
    'http://risk-control.callcenter.svc.cluster.local',
  );
  assert.equal(
    resolveDestination(
      {
        ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'my-service', namespace: 'apps' },
      },
      'callcenter',
    ),
    'http://my-service.apps.svc.cluster.local',
  );
});

test('a relative uri is resolved against the ref as a path', () => {
  const ref = { apiVersion: 'v1', kind: 'Service', name: 'my-service' };
  assert.equal(
    resolveDestination({ ref, uri: '/my-custom-path' }, 'default'),
    'http://my-service.default.svc.cluster.local/my-custom-path',
  );
  assert.equal(
    resolveDestination({ ref, uri: 'events?v=2' }, 'default'),
    'http://my-service.default.svc.cluster.local/events?v=2',
  );
});

function assertInvalid(fn: () => unknown, message: RegExp, path: string): void {
  assert.throws(fn, (error) => {
    assert.ok(isEventyardError(error, 'EY_INVALID_RESOURCE'));
    assert.match(error.message, message);
    assert.equal(error.details?.path, path);
    return true;
  });
}

test('other ref kinds are refused, saying which', () => {
  assertInvalid(
    () =>
      resolveDestination(
        { ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'dls' } },
        'default',
      ),
    /cannot resolve a ref to Broker "dls" \(apiVersion eventing\.knative\.dev\/v1\): only Service \(v1\) and Service \(serving\.knative\.dev\/v1\) refs are supported/,
    '/ref',
  );
  assertInvalid(
    () => resolveDestination({ ref: { apiVersion: 'apps/v1', kind: 'Service', name: 'x' } }, 'default'),
    /ref to Service "x" \(apiVersion apps\/v1\)/,
    '/ref',
  );
});

test('a uri that is not absolute http(s) is refused', () => {
  assertInvalid(() => resolveDestination({ uri: '/events' }, 'default'), /must be an absolute URL/, '/uri');
  assertInvalid(
    () => resolveDestination({ uri: 'kafka://broker:9092/topic' }, 'default'),
    /must use http or https, not kafka/,
    '/uri',
  );
  assertInvalid(() => resolveDestination({}, 'default'), /needs a ref or a uri/, '');
  assertInvalid(
    () =>
      resolveDestination(
        { ref: { apiVersion: 'v1', kind: 'Service', name: 'x' }, uri: 'http://elsewhere/' },
        'default',
      ),
    /must be relative/,
    '/uri',
  );
});
