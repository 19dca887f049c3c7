import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResourceDocuments } from '../../src/resources/parse.ts';

const BROKER = `apiVersion: eventyard.dev/v1
kind: Broker
metadata:
  name: default
  namespace: callcenter
`;

const TRIGGER = `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: loan-review
  namespace: callcenter
spec:
  broker: default
  subscriber:
    uri: http://localhost:9090/
`;

test('reads every Broker and Trigger of a multi-document file, with its origin', () => {
  const { resources, problems } = parseResourceDocuments(
    `${BROKER}---\n${TRIGGER}`,
    'manifests/callcenter.yaml',
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(
    resources.map(({ resource, origin }) => [resource.kind, resource.metadata.name, origin]),
    [
      ['Broker', 'default', { file: 'manifests/callcenter.yaml', document: 0 }],
      ['Trigger', 'loan-review', { file: 'manifests/callcenter.yaml', document: 1 }],
    ],
  );
});

test('skips empty documents and documents of other kinds silently', () => {
  const text = [
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: risk-control\nspec:\n  ports: [{ port: 80 }]',
    '---',
    '# a comment only',
    '---',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\ndata:\n  a: b',
    '---',
    'apiVersion: eventing.knative.dev/v1beta1\nkind: EventType\nmetadata:\n  name: t\nspec: {}',
    '---',
    'apiVersion: eventing.triggermesh.io/v1alpha1\nkind: Trigger\nmetadata:\n  name: theirs\nspec: { target: {} }',
    '---',
    TRIGGER,
    '---',
    '',
  ].join('\n');
  const { resources, problems } = parseResourceDocuments(text, 'mixed.yaml');
  assert.deepEqual(problems, []);
  assert.equal(resources.length, 1);
  assert.equal(resources[0]?.origin.document, 5);
});

test('a problem names file, document, kind, namespace/name, JSON path and reason', () => {
  const bad = TRIGGER.replace(
    '  broker: default\n',
    '  broker: default\n  delivery:\n    backoffDelay: 200ms\n',
  );
  const { resources, problems } = parseResourceDocuments(`${BROKER}---\n${bad}`, 'examples/x.yaml');
  assert.equal(resources.length, 1, 'the broker still loads');
  assert.deepEqual(problems, [
    {
      file: 'examples/x.yaml',
      document: 1,
      kind: 'Trigger',
      name: 'loan-review',
      namespace: 'callcenter',
      path: '/spec/delivery/backoffDelay',
      message: 'must be an ISO 8601 duration such as PT0.2S, PT5S, PT1M30S or P1D',
    },
  ]);
});

test('the namespace of a problem defaults like the resource does', () => {
  const text = 'apiVersion: eventyard.dev/v1\nkind: Broker\nmetadata:\n  name: b\nspec:\n  partitions: 0\n';
  const { problems } = parseResourceDocuments(text, 'b.yaml');
  assert.equal(problems[0]?.namespace, 'default');
});

test('YAML syntax errors name line and column, and never hide the other documents', () => {
  const text = `${BROKER}---\napiVersion: eventyard.dev/v1\nkind: Trigger\nmetadata:\n  name: broken\nspec:\n  broker: [default\n  subscriber: {}\n---\n${TRIGGER}`;
  const { resources, problems } = parseResourceDocuments(text, 'broken.yaml');
  assert.deepEqual(
    resources.map(({ resource }) => resource.metadata.name),
    ['default', 'loan-review'],
  );
  assert.equal(problems.length, 1);
  const [problem] = problems;
  assert.equal(problem?.document, 1);
  assert.equal(problem?.path, '');
  assert.match(problem?.message ?? '', /^YAML syntax error at line 13, column \d+: /);
  // What could be read of the broken document still identifies it.
  assert.equal(problem?.kind, 'Trigger');
  assert.equal(problem?.name, 'broken');
});

test('duplicate keys are a syntax error', () => {
  const { resources, problems } = parseResourceDocuments(`${TRIGGER}spec:\n  broker: other\n`, 'dup.yaml');
  assert.equal(resources.length, 0);
  assert.match(
    problems[0]?.message ?? '',
    /^YAML syntax error at line 10, column 1: Map keys must be unique/,
  );
});

test('reads plain JSON, and unpacks List documents', () => {
  const json = JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'eventyard.dev/v1', kind: 'Broker', metadata: { name: 'default' } },
      {
        apiVersion: 'eventyard.dev/v1',
        kind: 'Trigger',
        metadata: { name: 't' },
        spec: { broker: 'default', subscriber: { uri: 'http://localhost:9090/' }, delivery: { retry: -1 } },
      },
    ],
  });
  const { resources, problems } = parseResourceDocuments(json, 'list.json');
  assert.deepEqual(
    resources.map(
      ({ resource }) => `${resource.kind}/${resource.metadata.namespace}/${resource.metadata.name}`,
    ),
    ['Broker/default/default'],
  );
  assert.deepEqual(
    problems.map((problem) => `${problem.path}: ${problem.message}`),
    ['/items/1/spec/delivery/retry: must be at least 0'],
  );
});

test('documents that are not Kubernetes resources are problems, unknown eventyard kinds too', () => {
  const text = [
    'just a string',
    '---',
    'name: x',
    '---',
    'apiVersion: eventyard.dev/v1\nkind: Triger\nmetadata:\n  name: x',
  ].join('\n');
  const { problems } = parseResourceDocuments(text, 'odd.yaml');
  assert.deepEqual(
    problems.map((problem) => [problem.document, problem.path, problem.message]),
    [
      [0, '', 'is not a Kubernetes resource: expected a mapping with apiVersion and kind'],
      [1, '/apiVersion', 'is required: every Kubernetes resource names its apiVersion and kind'],
      [2, '/kind', 'unknown kind "Triger": eventyard.dev/v1 has Broker and Trigger'],
    ],
  );
});

test('an empty file has nothing in it', () => {
  assert.deepEqual(parseResourceDocuments('', 'empty.yaml'), { resources: [], problems: [] });
  assert.deepEqual(parseResourceDocuments('---\n# nothing\n', 'empty.yaml'), { resources: [], problems: [] });
});
