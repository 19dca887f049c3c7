import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toResource } from '../src/kubernetes/to-resource.ts';

function object(
  overrides: Record<string, unknown> = {},
  spec: unknown = { broker: 'default', subscriber: { uri: 'http://s/' } },
) {
  return {
    apiVersion: 'eventyard.dev/v1',
    kind: 'Trigger',
    metadata: {
      name: 't',
      namespace: 'ns',
      uid: 'u-1',
      generation: 4,
      resourceVersion: '17',
      creationTimestamp: '2026-01-01T00:00:00Z',
      managedFields: [{ manager: 'kubectl' }],
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': '{"big":"copy"}',
        'eventyard.dev/max-in-flight': '5',
      },
      ...overrides,
    },
    spec,
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

test('an object becomes the resource the user declared, without what the API server maintains', () => {
  const result = toResource(object());
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.loaded?.origin, { file: 'kubernetes', document: 0 });
  assert.deepEqual(result.loaded?.resource, {
    apiVersion: 'eventyard.dev/v1',
    kind: 'Trigger',
    metadata: {
      name: 't',
      namespace: 'ns',
      uid: 'u-1',
      generation: 4,
      annotations: { 'eventyard.dev/max-in-flight': '5' },
    },
    spec: { broker: 'default', subscriber: { uri: 'http://s/' } },
  });
});

test('a status write or a new resourceVersion alone gives back the very same result', () => {
  const first = toResource(object());
  const again = toResource(
    { ...object({ resourceVersion: '18' }), status: { observedGeneration: 4 } },
    first,
  );
  assert.equal(again, first);
  const changed = toResource(
    object({ generation: 5 }, { broker: 'other', subscriber: { uri: 'http://s/' } }),
    first,
  );
  assert.notEqual(changed, first);
  assert.equal(changed.loaded?.resource.kind === 'Trigger' && changed.loaded.resource.spec.broker, 'other');
});

test('what core rejects is reported per field, with the resource named', () => {
  const result = toResource(object({}, { broker: 'default', subscriber: { uri: '/relative' } }));
  assert.equal(result.loaded, undefined);
  assert.deepEqual(result.problems, [
    {
      file: 'kubernetes',
      document: 0,
      kind: 'Trigger',
      name: 't',
      namespace: 'ns',
      path: '/spec/subscriber/uri',
      message: 'must be an absolute URL such as http://host/path when there is no ref',
    },
  ]);
});
