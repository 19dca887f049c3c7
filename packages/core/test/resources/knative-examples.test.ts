import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseResourceDocuments } from '../../src/resources/parse.ts';

const FIXTURE = new URL('./fixtures/knative-docs.yaml', import.meta.url);

test('Broker and Trigger YAML from the Knative documentation loads unchanged', () => {
  const { resources, problems } = parseResourceDocuments(readFileSync(FIXTURE, 'utf8'), 'knative-docs.yaml');
  assert.deepEqual(problems, []);
  assert.equal(resources.length, 13);
  assert.ok(resources.every(({ resource }) => resource.apiVersion === 'eventing.knative.dev/v1'));
  assert.ok(resources.every(({ resource }) => resource.metadata.namespace === 'default'));
});

test('a Knative filters entry with two dialects is refused rather than half applied', () => {
  // From the Knative trigger docs; Knative's dispatcher applies only `exact` here and ignores `suffix`.
  const text = `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: my-service-trigger
spec:
  broker: default
  filters:
    - exact:
        type: dev.knative.foo.bar
      suffix:
        myextension: -value
  subscriber:
    ref:
      apiVersion: serving.knative.dev/v1
      kind: Service
      name: my-service
`;
  const { resources, problems } = parseResourceDocuments(text, 'two-dialects.yaml');
  assert.equal(resources.length, 0);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.path, '/spec/filters/0');
  assert.match(
    problems[0]?.message ?? '',
    /has 2 filter dialects \(exact, suffix\); a filter object takes exactly one/,
  );
});

test('a Knative cesql filter loads unchanged', () => {
  const text = `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata:
  name: sql
spec:
  broker: default
  filters:
    - cesql: "source LIKE '%commerce%' AND type IN ('order.created', 'order.updated', 'order.canceled')"
  subscriber:
    uri: http://localhost:9090/
`;
  const { problems } = parseResourceDocuments(text, 'cesql.yaml');
  assert.deepEqual(problems, []);
});
