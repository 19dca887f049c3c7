import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateResource } from '../../src/resources/validate.ts';

type Doc = Record<string, unknown>;

function trigger(spec: Doc = {}, metadata: Doc = {}, apiVersion = 'eventyard.dev/v1'): Doc {
  return {
    apiVersion,
    kind: 'Trigger',
    metadata: { name: 'loan-review', namespace: 'callcenter', ...metadata },
    spec: { broker: 'default', subscriber: { uri: 'http://localhost:9090/' }, ...spec },
  };
}

function broker(spec?: Doc, apiVersion = 'eventyard.dev/v1', metadata: Doc = {}): Doc {
  return {
    apiVersion,
    kind: 'Broker',
    metadata: { name: 'default', ...metadata },
    ...(spec === undefined ? {} : { spec }),
  };
}

/** Problems as `path: message` lines. */
function problems(doc: Doc): string[] {
  return validateResource(doc).problems.map((problem) => `${problem.path}: ${problem.message}`);
}

function onlyProblem(doc: Doc): string {
  const found = problems(doc);
  assert.equal(found.length, 1, `expected one problem, got:\n${found.join('\n')}`);
  return found[0] ?? '';
}

test('a valid trigger comes back typed, with the namespace defaulted and status dropped', () => {
  const result = validateResource({
    apiVersion: 'eventing.knative.dev/v1',
    kind: 'Trigger',
    metadata: { name: 'my-service-trigger' },
    spec: { broker: 'default', subscriber: { uri: 'http://localhost:9090/' } },
    status: { conditions: [{ type: 'Ready', status: 'True' }], subscriberUri: 'http://x' },
  });
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.resource, {
    apiVersion: 'eventing.knative.dev/v1',
    kind: 'Trigger',
    metadata: { name: 'my-service-trigger', namespace: 'default' },
    spec: { broker: 'default', subscriber: { uri: 'http://localhost:9090/' } },
  });
});

test('a broker without spec gets an empty one', () => {
  const result = validateResource(broker());
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.resource?.spec, {});
});

test('null fields are dropped as the Kubernetes API server does (creationTimestamp: null)', () => {
  const result = validateResource(
    trigger({ delivery: null }, { creationTimestamp: null, labels: { app: 'x' }, annotations: null }),
  );
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.resource?.metadata, {
    name: 'loan-review',
    namespace: 'callcenter',
    labels: { app: 'x' },
  });
  assert.equal('delivery' in (result.resource?.spec ?? {}), false);
});

test('apiVersion must be ours or Knative v1', () => {
  assert.equal(
    onlyProblem(trigger({}, {}, 'eventing.knative.dev/v1beta1')),
    '/apiVersion: must be eventing.knative.dev/v1 or eventyard.dev/v1',
  );
});

test('unknown fields anywhere are errors naming the path and the known fields', () => {
  assert.equal(
    onlyProblem(trigger({ subscribr: { uri: 'http://x/' } })),
    '/spec/subscribr: unknown field "subscribr"; expected one of: broker, filter, filters, subscriber, delivery',
  );
  assert.equal(
    onlyProblem(trigger({ delivery: { retries: 3 } })),
    '/spec/delivery/retries: unknown field "retries"; expected one of: deadLetterSink, retry, backoffPolicy, backoffDelay, timeout, retryAfterMax, format',
  );
  assert.equal(
    onlyProblem(trigger({ subscriber: { uri: 'http://x/', url: 'http://y/' } })),
    '/spec/subscriber/url: unknown field "url"; expected one of: ref, uri, CACerts, audience',
  );
  assert.equal(
    onlyProblem(
      trigger({
        delivery: { deadLetterSink: { ref: { apiVersion: 'v1', kind: 'Service', name: 'dls', port: 80 } } },
      }),
    ),
    '/spec/delivery/deadLetterSink/ref/port: unknown field "port"; expected one of: apiVersion, kind, name, namespace',
  );
  assert.equal(
    onlyProblem(trigger({ filter: { attributes: { type: 'a' }, exact: { type: 'a' } } })),
    '/spec/filter/exact: unknown field "exact"; expected one of: attributes',
  );
  assert.match(onlyProblem({ ...trigger(), extra: 1 }), /^\/extra: unknown field "extra"/);
  assert.match(onlyProblem(trigger({}, { nam: 'x' })), /^\/metadata\/nam: unknown field "nam"/);
});

test('metadata accepts the usual ObjectMeta fields', () => {
  assert.deepEqual(
    problems(
      trigger(
        {},
        {
          labels: { app: 'risk' },
          annotations: { 'eventyard.dev/max-in-flight': '10' },
          uid: '7c7e0d7e-1',
          generation: 3,
          resourceVersion: '12345',
          creationTimestamp: '2024-05-01T10:00:00Z',
          finalizers: ['x'],
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'y' }],
          managedFields: [{ manager: 'kubectl' }],
        },
      ),
    ),
    [],
  );
});

test('names and namespaces must be DNS-1123 labels of at most 63 characters', () => {
  const label =
    'must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit';
  assert.equal(onlyProblem(trigger({}, { name: 'Loan_Review' })), `/metadata/name: ${label}`);
  assert.equal(onlyProblem(trigger({}, { namespace: '-call' })), `/metadata/namespace: ${label}`);
  assert.equal(onlyProblem(trigger({}, { name: 'a'.repeat(64) })), `/metadata/name: ${label}`);
  assert.deepEqual(problems(trigger({}, { name: 'a'.repeat(63) })), []);
  assert.equal(onlyProblem(trigger({ broker: 'My.Broker' })), `/spec/broker: ${label}`);
  assert.equal(onlyProblem(trigger({}, { name: undefined })), '/metadata/name: is required');
});

test('required fields are named', () => {
  const { spec: _spec, ...noSpec } = trigger();
  assert.equal(onlyProblem(noSpec), '/spec: is required');
  assert.deepEqual(
    problems({ apiVersion: 'eventyard.dev/v1', kind: 'Trigger', metadata: { name: 'x' }, spec: {} }),
    ['/spec/broker: is required', '/spec/subscriber: is required'],
  );
  assert.equal(onlyProblem({ apiVersion: 'eventyard.dev/v1', kind: 'Broker' }), '/metadata: is required');
  assert.deepEqual(problems(trigger({ subscriber: { ref: { kind: 'Service' } } })), [
    '/spec/subscriber/ref/apiVersion: is required',
    '/spec/subscriber/ref/name: is required',
  ]);
});

test('types are named in plain words, with a hint to quote numbers meant as strings', () => {
  assert.equal(onlyProblem(trigger({ broker: 7 })), '/spec/broker: must be a string (quote the value)');
  assert.equal(
    onlyProblem(trigger({}, { annotations: { 'eventyard.dev/max-in-flight': 50 } })),
    '/metadata/annotations/eventyard.dev~1max-in-flight: must be a string (quote the value)',
  );
  assert.equal(onlyProblem(trigger({ filters: { exact: { type: 'a' } } })), '/spec/filters: must be a list');
  assert.equal(onlyProblem(trigger({ subscriber: 'http://x/' })), '/spec/subscriber: must be a mapping');
  assert.equal(
    onlyProblem(trigger({ delivery: { retry: 1.5 } })),
    '/spec/delivery/retry: must be an integer',
  );
});

test('delivery: retry is a non-negative integer, enums and durations are checked', () => {
  assert.equal(onlyProblem(trigger({ delivery: { retry: -1 } })), '/spec/delivery/retry: must be at least 0');
  assert.deepEqual(problems(trigger({ delivery: { retry: 0 } })), []);
  assert.equal(
    onlyProblem(trigger({ delivery: { backoffPolicy: 'fibonacci' } })),
    '/spec/delivery/backoffPolicy: must be linear or exponential',
  );
  assert.equal(
    onlyProblem(trigger({ delivery: { format: 'xml' } })),
    '/spec/delivery/format: must be json or binary',
  );
  const duration = 'must be an ISO 8601 duration such as PT0.2S, PT5S, PT1M30S or P1D';
  assert.equal(
    onlyProblem(trigger({ delivery: { backoffDelay: '200ms' } })),
    `/spec/delivery/backoffDelay: ${duration}`,
  );
  assert.equal(onlyProblem(trigger({ delivery: { timeout: 'PT' } })), `/spec/delivery/timeout: ${duration}`);
  assert.equal(
    onlyProblem(trigger({ delivery: { retryAfterMax: 'P' } })),
    `/spec/delivery/retryAfterMax: ${duration}`,
  );
  assert.equal(
    onlyProblem(trigger({ delivery: { timeout: 'PT0S' } })),
    '/spec/delivery/timeout: must be longer than zero',
  );
  assert.deepEqual(
    problems(
      trigger({
        delivery: {
          retry: 5,
          backoffPolicy: 'linear',
          backoffDelay: 'PT0.2S',
          timeout: 'PT5S',
          retryAfterMax: 'PT0S',
          format: 'json',
          deadLetterSink: { uri: 'http://dead-letters.callcenter.svc/' },
        },
      }),
    ),
    [],
  );
});

test('every problem of a document is reported at once', () => {
  assert.deepEqual(
    problems(trigger({ broker: 'Bad_Name', delivery: { retry: -2, backoffDelay: 'soon' }, subscriber: {} })),
    [
      '/spec/broker: must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
      '/spec/delivery/retry: must be at least 0',
      '/spec/delivery/backoffDelay: must be an ISO 8601 duration such as PT0.2S, PT5S, PT1M30S or P1D',
      '/spec/subscriber: needs a ref or a uri',
    ],
  );
});

test('destinations follow Knative: a ref or a uri; an absolute uri alone; a relative uri only with a ref', () => {
  assert.equal(onlyProblem(trigger({ subscriber: {} })), '/spec/subscriber: needs a ref or a uri');
  assert.equal(
    onlyProblem(trigger({ subscriber: { uri: '/events' } })),
    '/spec/subscriber/uri: must be an absolute URL such as http://host/path when there is no ref',
  );
  assert.equal(
    onlyProblem(
      trigger({
        subscriber: { ref: { apiVersion: 'v1', kind: 'Service', name: 'svc' }, uri: 'http://other/events' },
      }),
    ),
    "/spec/subscriber/uri: must be a relative URI (such as /events) when ref is set: it is resolved against the ref's address",
  );
  assert.deepEqual(
    problems(
      trigger({ subscriber: { ref: { apiVersion: 'v1', kind: 'Service', name: 'svc' }, uri: '/events' } }),
    ),
    [],
  );
  assert.equal(
    onlyProblem(trigger({ delivery: { deadLetterSink: { uri: 'dead-letters' } } })),
    '/spec/delivery/deadLetterSink/uri: must be an absolute URL such as http://host/path when there is no ref',
  );
  assert.equal(
    onlyProblem(broker({ delivery: { deadLetterSink: {} } })),
    '/spec/delivery/deadLetterSink: needs a ref or a uri',
  );
});

test('each filters[] object has exactly one dialect', () => {
  const dialects = 'exact, prefix, suffix, all, any, not, cel, cesql or sql';
  assert.equal(
    onlyProblem(trigger({ filters: [{}] })),
    `/spec/filters/0: must have exactly one filter dialect: ${dialects}`,
  );
  assert.equal(
    onlyProblem(trigger({ filters: [{ exact: { type: 'a' } }, { exact: { type: 'a' }, cel: 'true' }] })),
    '/spec/filters/1: has 2 filter dialects (exact, cel); a filter object takes exactly one (Knative would silently apply only the first): give each its own filters entry, or combine them with all',
  );
  assert.equal(
    onlyProblem(trigger({ filters: [{ regex: { type: 'a.*' } }] })),
    `/spec/filters/0/regex: unknown filter dialect "regex"; use one of ${dialects}`,
  );
  assert.equal(
    onlyProblem(trigger({ filters: [{ all: [{ exact: { type: 'a' } }, { any: [{}] }] }] })),
    `/spec/filters/0/all/1/any/0: must have exactly one filter dialect: ${dialects}`,
  );
  assert.equal(
    onlyProblem(trigger({ filters: [{ exact: { type: 1 } }] })),
    '/spec/filters/0/exact/type: must be a string (quote the value)',
  );
  assert.equal(onlyProblem(trigger({ filters: [{ cel: ['x'] }] })), '/spec/filters/0/cel: must be a string');
  assert.equal(onlyProblem(trigger({ filters: ['exact'] })), '/spec/filters/0: must be a mapping');
  assert.deepEqual(
    problems(
      trigger({
        filters: [
          { exact: { type: 'com.example.a' } },
          { prefix: { source: '/orders' } },
          { suffix: { subject: '.pdf' } },
          { all: [{ exact: { type: 'a' } }, { not: { exact: { type: 'b' } } }] },
          { any: [{ exact: { type: 'a' } }, { all: [{ not: { cel: 'false' } }] }] },
          { not: { any: [{ all: [{ not: { exact: { type: 'deep' } } }] }] } },
          { cel: "event.data.intent == 'loan'" },
        ],
      }),
    ),
    [],
  );
});

test('the CloudEvents SQL dialect is accepted as cesql and as its pre-1.15 name sql', () => {
  assert.deepEqual(problems(trigger({ filters: [{ cesql: "type = 'a'" }] })), []);
  assert.deepEqual(problems(trigger({ filters: [{ any: [{ sql: "type = 'a'" }] }] })), []);
  assert.equal(
    onlyProblem(trigger({ filters: [{ cesql: 1 }] })),
    '/spec/filters/0/cesql: must be a string (quote the value)',
  );
});

test('eventyard-only broker fields are refused in Knative documents', () => {
  assert.deepEqual(problems(broker({ topic: 'orders', partitions: 3, replicationFactor: 3 })), []);
  assert.deepEqual(problems(broker({ topic: 'orders', partitions: 3 }, 'eventing.knative.dev/v1')), [
    '/spec/topic: is an eventyard.dev/v1 field; set apiVersion: eventyard.dev/v1 to use it (eventing.knative.dev/v1 Brokers cannot)',
    '/spec/partitions: is an eventyard.dev/v1 field; set apiVersion: eventyard.dev/v1 to use it (eventing.knative.dev/v1 Brokers cannot)',
  ]);
  assert.equal(onlyProblem(broker({ partitions: 0 })), '/spec/partitions: must be at least 1');
  assert.equal(onlyProblem(broker({ replicationFactor: 0 })), '/spec/replicationFactor: must be at least 1');
  assert.equal(
    onlyProblem(broker({ topic: 'orders/eu' })),
    '/spec/topic: must be a Kafka topic name: at most 249 letters, digits, ".", "_" and "-"',
  );
  assert.match(
    onlyProblem(broker({ topics: 'a' })),
    /^\/spec\/topics: unknown field "topics"; expected one of: config, delivery, topic/,
  );
});
