import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProblem } from '../src/index.ts';

test('a problem reads as file, document (from 1), resource, path and reason', () => {
  assert.equal(
    formatProblem({
      file: 'examples/x.yaml',
      document: 1,
      kind: 'Trigger',
      name: 'loan-review',
      namespace: 'callcenter',
      path: '/spec/delivery/backoffDelay',
      message: 'must be an ISO 8601 duration such as PT0.2S',
    }),
    'examples/x.yaml (document 2, Trigger callcenter/loan-review): /spec/delivery/backoffDelay: must be an ISO 8601 duration such as PT0.2S',
  );
});

test('what is not known is left out', () => {
  assert.equal(
    formatProblem({
      file: 'a.yaml',
      document: 0,
      path: '',
      message: 'YAML syntax error at line 3, column 1: x',
    }),
    'a.yaml (document 1): YAML syntax error at line 3, column 1: x',
  );
  assert.equal(
    formatProblem({
      file: 'a.yaml',
      document: 2,
      kind: 'Trigger',
      path: '/metadata/name',
      message: 'is required',
    }),
    'a.yaml (document 3, Trigger): /metadata/name: is required',
  );
});
