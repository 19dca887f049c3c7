import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFilterInput } from '../../src/filter/index.ts';
import { buildContract, buildContractWithProblems } from '../../src/resources/build-contract.ts';
import { parseResourceDocuments } from '../../src/resources/parse.ts';
import type { LoadedResource } from '../../src/resources/types.ts';

function load(text: string, file = 'manifests.yaml'): LoadedResource[] {
  const { resources, problems } = parseResourceDocuments(text, file);
  assert.deepEqual(problems, []);
  return resources;
}

const BROKER = `apiVersion: eventyard.dev/v1
kind: Broker
metadata: { name: default, namespace: callcenter }
spec:
  delivery:
    retry: 3
    backoffPolicy: linear
    deadLetterSink: { uri: http://broker-dls.callcenter.svc/ }
`;

function trigger(name: string, spec: string, annotations = ''): string {
  return `apiVersion: eventyard.dev/v1
kind: Trigger
metadata:
  name: ${name}
  namespace: callcenter
${annotations === '' ? '' : `  annotations:\n${annotations}`}
spec:
  broker: default
  subscriber: { uri: 'http://localhost:9090/' }
${spec}`;
}

function event(attributes: Record<string, string>, data?: unknown) {
  return createFilterInput({
    attributes: { specversion: '1.0', id: '1', source: '/test', type: 'com.example.other', ...attributes },
    data: data === undefined ? undefined : new TextEncoder().encode(JSON.stringify(data)),
  });
}

test('brokers get topics from the template, retry and dead-letter topics, partitions and delivery', () => {
  const contract = buildContract({
    resources: load(
      `${BROKER}---\napiVersion: eventyard.dev/v1\nkind: Broker\nmetadata: { name: orders }\nspec: { topic: orders-v2, partitions: 3, replicationFactor: 2 }\n`,
    ),
  });
  assert.equal(contract.generation, 1);
  const broker = contract.brokers.get('callcenter/default');
  assert.ok(broker);
  assert.equal(broker.key, 'callcenter/default');
  assert.equal(broker.topic, 'eventyard-broker-callcenter-default');
  assert.equal(broker.retryTopic, 'eventyard-broker-callcenter-default.retry');
  assert.equal(broker.deadLetterTopic, 'eventyard-broker-callcenter-default.dlq');
  assert.equal(broker.partitions, 10);
  assert.equal(broker.replicationFactor, undefined);
  assert.equal(broker.delivery.retry, 3);
  assert.equal(broker.delivery.backoffPolicy, 'linear');
  assert.equal(broker.delivery.deadLetterUri, 'http://broker-dls.callcenter.svc/');
  assert.deepEqual(broker.status, { ready: true });
  assert.deepEqual(broker.origin, { file: 'manifests.yaml', document: 0 });

  const orders = contract.brokers.get('default/orders');
  assert.equal(orders?.topic, 'orders-v2');
  assert.equal(orders?.retryTopic, 'orders-v2.retry');
  assert.equal(orders?.partitions, 3);
  assert.equal(orders?.replicationFactor, 2);
});

test('a topic template names the topics; placeholders are checked', () => {
  const contract = buildContract({
    resources: load(BROKER),
    topicTemplate: 'knative-broker-{namespace}-{name}',
  });
  assert.equal(contract.brokers.get('callcenter/default')?.topic, 'knative-broker-callcenter-default');
  assert.throws(
    () => buildContract({ resources: [], topicTemplate: 'broker-{ns}-{name}' }),
    /unknown placeholder \{ns\}/,
  );
  assert.throws(
    () => buildContract({ resources: [], topicTemplate: 'broker/{name}' }),
    /legal Kafka topic name/,
  );
});

test('generation continues from the previous contract', () => {
  const first = buildContract({ resources: load(BROKER) });
  const second = buildContract({ resources: load(BROKER), previous: first });
  const third = buildContract({ resources: [], previous: second });
  assert.deepEqual([first.generation, second.generation, third.generation], [1, 2, 3]);
  assert.equal(third.brokers.size, 0);
});

test('a ready trigger: subscriber, delivery over its broker, compiled filter, annotations', () => {
  const contract = buildContract({
    resources: load(
      `${BROKER}---\n${trigger(
        'loan-review',
        `  filters:
    - exact: { type: com.example.speech.call.completed }
    - cel: "event.data.intent == 'loan' && int(event.data.score) > 70"
  delivery: { retry: 5, timeout: PT5S }
`,
        `    eventyard.dev/max-in-flight: "8"\n    eventyard.dev/delivery-order: ordered\n`,
      )}`,
    ),
  });
  const entry = contract.triggers.get('callcenter/loan-review');
  assert.ok(entry);
  assert.deepEqual(entry.status, { ready: true });
  assert.equal(entry.broker, 'default');
  assert.equal(entry.subscriberUri, 'http://localhost:9090/');
  assert.deepEqual(entry.delivery, {
    retry: 5,
    backoffPolicy: 'linear',
    backoffDelayMs: 200,
    timeoutMs: 5_000,
    retryAfterMaxMs: 60_000,
    format: 'binary',
    deadLetterUri: 'http://broker-dls.callcenter.svc/',
  });
  assert.equal(entry.maxInFlight, 8);
  assert.equal(entry.ordered, true);
  assert.ok(entry.filter);
  assert.equal(entry.filter.exactType, 'com.example.speech.call.completed');
  const call = { type: 'com.example.speech.call.completed', datacontenttype: 'application/json' };
  assert.equal(entry.filter.evaluate(event(call, { intent: 'loan', score: 90 })), 'match');
  assert.equal(entry.filter.evaluate(event(call, { intent: 'loan', score: 10 })), 'no-match');
});

test('annotation defaults: 100 in flight, unordered', () => {
  const contract = buildContract({ resources: load(`${BROKER}---\n${trigger('plain', '')}`) });
  const entry = contract.triggers.get('callcenter/plain');
  assert.equal(entry?.maxInFlight, 100);
  assert.equal(entry?.ordered, false);
  assert.equal(entry?.status.ready, true);
});

test('BrokerNotFound when the broker is not in the contract', () => {
  const { contract, problems } = buildContractWithProblems({ resources: load(trigger('orphan', '')) });
  const entry = contract.triggers.get('callcenter/orphan');
  assert.deepEqual(entry?.status, {
    ready: false,
    reason: 'BrokerNotFound',
    message: 'broker "default" does not exist in namespace "callcenter"',
  });
  assert.deepEqual(problems, [
    {
      file: 'manifests.yaml',
      document: 0,
      kind: 'Trigger',
      name: 'orphan',
      namespace: 'callcenter',
      path: '/spec/broker',
      message: 'broker "default" does not exist in namespace "callcenter"',
    },
  ]);
});

test('FilterInvalid carries the compiler message with the CEL position; other triggers stay ready', () => {
  const { contract, problems } = buildContractWithProblems({
    resources: load(
      `${BROKER}---\n${trigger('bad-cel', '  filters:\n    - cel: "event.type == "\n')}---\n${trigger('good', '')}`,
    ),
  });
  const bad = contract.triggers.get('callcenter/bad-cel');
  assert.equal(bad?.status.ready, false);
  assert.equal(bad?.status.reason, 'FilterInvalid');
  assert.match(bad?.status.message ?? '', /line 1, column \d+/);
  assert.equal(bad?.filter, undefined);
  assert.equal(contract.triggers.get('callcenter/good')?.status.ready, true);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.path, '/spec/filters/0/cel');
});

test('SubscriberInvalid when the subscriber cannot be resolved', () => {
  const { contract, problems } = buildContractWithProblems({
    resources: load(
      `${BROKER}---\n${trigger('to-broker', '').replace(
        "subscriber: { uri: 'http://localhost:9090/' }",
        'subscriber: { ref: { apiVersion: eventing.knative.dev/v1, kind: Broker, name: other } }',
      )}`,
    ),
  });
  const entry = contract.triggers.get('callcenter/to-broker');
  assert.equal(entry?.subscriberUri, undefined);
  assert.equal(entry?.status.reason, 'SubscriberInvalid');
  assert.match(entry?.status.message ?? '', /^subscriber: cannot resolve a ref to Broker "other"/);
  assert.equal(problems[0]?.path, '/spec/subscriber/ref');
});

test('DeadLetterSinkInvalid: on the broker, and on triggers that inherit its sink', () => {
  const brokerWithBadSink = BROKER.replace(
    'deadLetterSink: { uri: http://broker-dls.callcenter.svc/ }',
    'deadLetterSink: { ref: { apiVersion: eventing.knative.dev/v1, kind: Broker, name: dls } }',
  );
  const { contract, problems } = buildContractWithProblems({
    resources: load(
      `${brokerWithBadSink}---\n${trigger('inherits', '')}---\n${trigger('own-sink', '  delivery: { deadLetterSink: { uri: http://mine/ } }\n')}`,
    ),
  });
  const broker = contract.brokers.get('callcenter/default');
  assert.equal(broker?.status.reason, 'DeadLetterSinkInvalid');
  assert.equal(broker?.delivery.deadLetterUri, undefined);
  assert.equal(broker?.delivery.retry, 3, 'the rest of the delivery spec still applies');
  assert.equal(contract.triggers.get('callcenter/inherits')?.status.reason, 'DeadLetterSinkInvalid');
  assert.equal(contract.triggers.get('callcenter/own-sink')?.status.ready, true);
  assert.equal(contract.triggers.get('callcenter/own-sink')?.delivery.deadLetterUri, 'http://mine/');
  assert.deepEqual(
    problems.map((problem) => `${problem.kind} ${problem.name} ${problem.path}`),
    ['Broker default /spec/delivery/deadLetterSink/ref', 'Trigger inherits /spec/broker'],
  );
});

test('AnnotationInvalid for a bad max-in-flight or delivery-order; defaults stand in', () => {
  const { contract, problems } = buildContractWithProblems({
    resources: load(
      `${BROKER}---\n${trigger('zero', '', '    eventyard.dev/max-in-flight: "0"\n')}---\n${trigger(
        'sorted',
        '',
        '    eventyard.dev/delivery-order: sorted\n',
      )}`,
    ),
  });
  const zero = contract.triggers.get('callcenter/zero');
  assert.equal(zero?.status.reason, 'AnnotationInvalid');
  assert.equal(zero?.status.message, 'must be a positive integer such as "100", not "0"');
  assert.equal(zero?.maxInFlight, 100);
  assert.equal(contract.triggers.get('callcenter/sorted')?.status.reason, 'AnnotationInvalid');
  assert.deepEqual(
    problems.map((problem) => problem.path),
    [
      '/metadata/annotations/eventyard.dev~1max-in-flight',
      '/metadata/annotations/eventyard.dev~1delivery-order',
    ],
  );
});

test('several reasons: the first is the status, all are problems', () => {
  const { contract, problems } = buildContractWithProblems({
    resources: load(
      trigger('everything', '  filters:\n    - cel: "("\n', '    eventyard.dev/max-in-flight: "-1"\n'),
    ),
  });
  const status = contract.triggers.get('callcenter/everything')?.status;
  assert.equal(status?.reason, 'BrokerNotFound');
  assert.match(status?.message ?? '', /\(and 2 more\)$/);
  assert.equal(problems.length, 3);
});

test('duplicates: the first one wins, the second is a problem naming the first', () => {
  const first = load(BROKER, 'a.yaml');
  const second = load(BROKER.replace('retry: 3', 'retry: 7'), 'b.yaml');
  const { contract, problems } = buildContractWithProblems({ resources: [...first, ...second] });
  assert.equal(contract.brokers.get('callcenter/default')?.delivery.retry, 3);
  assert.deepEqual(problems, [
    {
      file: 'b.yaml',
      document: 0,
      kind: 'Broker',
      name: 'default',
      namespace: 'callcenter',
      path: '/metadata/name',
      message: 'Broker callcenter/default is already defined in a.yaml (document 1); this one is ignored',
    },
  ]);
});

test('a Broker and a Trigger may share a name', () => {
  const contract = buildContract({ resources: load(`${BROKER}---\n${trigger('default', '')}`) });
  assert.equal(contract.brokers.size, 1);
  assert.equal(contract.triggers.get('callcenter/default')?.status.ready, true);
});

test('brokers whose topics clash: the second is left out and reported', () => {
  const { contract, problems } = buildContractWithProblems({
    resources: load(
      `apiVersion: eventyard.dev/v1\nkind: Broker\nmetadata: { name: a }\nspec: { topic: shared }\n---\napiVersion: eventyard.dev/v1\nkind: Broker\nmetadata: { name: b }\nspec: { topic: shared.retry }\n`,
    ),
  });
  assert.deepEqual([...contract.brokers.keys()], ['default/a']);
  assert.equal(problems[0]?.path, '/spec/topic');
  assert.equal(
    problems[0]?.message,
    'topic "shared.retry" is already used by broker default/a; this broker is ignored',
  );
});

test('unchanged entries and compiled filters are reused from the previous contract', () => {
  const text = `${BROKER}---\n${trigger('t1', '  filters:\n    - cel: "event.type == \'a\'"\n')}---\n${trigger('t2', '')}`;
  const first = buildContract({ resources: load(text) });
  const second = buildContract({ resources: load(text), previous: first });
  assert.equal(second.brokers.get('callcenter/default'), first.brokers.get('callcenter/default'));
  assert.equal(second.triggers.get('callcenter/t1'), first.triggers.get('callcenter/t1'));

  // Another subscriber: a new entry, but the filter is not compiled again.
  const third = buildContract({
    resources: load(text.replace('http://localhost:9090/', 'http://localhost:9191/')),
    previous: second,
  });
  const before = second.triggers.get('callcenter/t1');
  const after = third.triggers.get('callcenter/t1');
  assert.notEqual(after, before);
  assert.equal(after?.subscriberUri, 'http://localhost:9191/');
  assert.equal(after?.filter, before?.filter);
});

test('the contract is immutable', () => {
  const contract = buildContract({ resources: load(`${BROKER}---\n${trigger('t', '')}`) });
  assert.ok(Object.isFrozen(contract));
  assert.ok(Object.isFrozen(contract.triggers.get('callcenter/t')));
  assert.ok(Object.isFrozen(contract.brokers.get('callcenter/default')));
});
