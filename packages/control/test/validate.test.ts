import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatProblem, validatePaths } from '../src/index.ts';

test('validatePaths reports every problem of every file, trigger readiness included', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'eventyard-validate-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, 'a.yaml'),
    `apiVersion: eventyard.dev/v1
kind: Broker
metadata: { name: default, namespace: callcenter }
---
apiVersion: eventyard.dev/v1
kind: Trigger
metadata: { name: loan-review, namespace: callcenter }
spec:
  broker: default
  subscriber: { uri: 'http://localhost:9090/' }
  delivery: { backoffDelay: 200ms }
---
apiVersion: eventyard.dev/v1
kind: Trigger
metadata: { name: bad-cel, namespace: callcenter }
spec:
  broker: default
  filters:
    - cel: "event.type =="
  subscriber: { uri: 'http://localhost:9090/' }
`,
  );
  await writeFile(
    join(dir, 'b.yaml'),
    `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: { name: orphan, namespace: callcenter }
spec:
  broker: missing
  subscriber: { ref: { apiVersion: apps/v1, kind: Deployment, name: worker } }
---
apiVersion: eventyard.dev/v1
kind: Broker
metadata: { name: default, namespace: callcenter }
`,
  );
  await writeFile(join(dir, 'c.yaml'), 'kind: [\n');
  const missing = join(dir, 'nope.yaml');

  const problems = await validatePaths([dir, missing]);
  const lines = problems.map(formatProblem);
  const a = join(dir, 'a.yaml');
  const b = join(dir, 'b.yaml');
  assert.equal(
    lines[0],
    `${a} (document 2, Trigger callcenter/loan-review): /spec/delivery/backoffDelay: must be an ISO 8601 duration such as PT0.2S, PT5S, PT1M30S or P1D`,
  );
  assert.match(
    lines[1] ?? '',
    new RegExp(
      `^${a} \\(document 3, Trigger callcenter/bad-cel\\): /spec/filters/0/cel: .*line 1, column \\d+`,
    ),
  );
  assert.equal(
    lines[2],
    `${b} (document 1, Trigger callcenter/orphan): /spec/broker: broker "missing" does not exist in namespace "callcenter"`,
  );
  assert.match(
    lines[3] ?? '',
    new RegExp(
      `^${b} \\(document 1, Trigger callcenter/orphan\\): /spec/subscriber/ref: subscriber: cannot resolve a ref to Deployment "worker"`,
    ),
  );
  assert.equal(
    lines[4],
    `${b} (document 2, Broker callcenter/default): /metadata/name: Broker callcenter/default is already defined in ${a} (document 1); this one is ignored`,
  );
  assert.match(
    lines[5] ?? '',
    new RegExp(`^${join(dir, 'c.yaml')} \\(document 1\\): YAML syntax error at line 2, column 1: `),
  );
  assert.equal(lines[6], `${missing} (document 1): no such file or folder`);
  assert.equal(lines.length, 7);
});

test('validatePaths finds nothing wrong in good manifests', async () => {
  const examples = new URL('../../../examples/manifests/', import.meta.url).pathname;
  assert.deepEqual(await validatePaths([examples]), []);
});
