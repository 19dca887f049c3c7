import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { type Contract, isEventyardError } from '@eventyard/core';
import { type ControlPlane, formatProblem, startFileControl } from '../src/index.ts';

const quiet = { info() {}, warn() {}, error() {} };

function broker(name: string, namespace = 'default', extra = ''): string {
  return `apiVersion: eventyard.dev/v1
kind: Broker
metadata: { name: ${name}, namespace: ${namespace} }
${extra}`;
}

function trigger(name: string, filterType: string, namespace = 'default'): string {
  return `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  broker: default
  filter: { attributes: { type: ${filterType} } }
  subscriber: { uri: 'http://localhost:9090/' }
`;
}

async function folder(t: TestContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eventyard-control-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** Replaces a file in one step, as editors do, so a reload never sees it half written. */
async function put(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.tmp`);
  await writeFile(temporary, text);
  await rename(temporary, path);
}

async function start(t: TestContext, paths: string[], watch = false): Promise<ControlPlane> {
  const control = await startFileControl({ paths, watch, debounceMs: 20, logger: quiet });
  t.after(() => control.close());
  return control;
}

/** Resolves with the next contract the control plane publishes. */
function nextContract(control: ControlPlane, timeoutMs = 5_000): Promise<Contract> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error('no new contract in time'));
    }, timeoutMs);
    const unsubscribe = control.subscribe((contract) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(contract);
    });
  });
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('loads a folder recursively: yaml, yml and json, nothing else', async (t) => {
  const dir = await folder(t, {
    'brokers.yaml': broker('default'),
    'team/triggers.yml': `${trigger('a', 'com.example.a')}---\n${trigger('b', 'com.example.b')}`,
    'team/more/c.json': JSON.stringify({
      apiVersion: 'eventyard.dev/v1',
      kind: 'Trigger',
      metadata: { name: 'c' },
      spec: { broker: 'default', subscriber: { uri: 'http://localhost:9090/' } },
    }),
    'README.md': trigger('not-loaded', 'x'),
    '.hidden/d.yaml': trigger('hidden', 'x'),
  });
  const control = await start(t, [dir]);
  const contract = control.current();
  assert.equal(contract.generation, 1);
  assert.deepEqual([...contract.brokers.keys()], ['default/default']);
  assert.deepEqual([...contract.triggers.keys()].sort(), ['default/a', 'default/b', 'default/c']);
  assert.ok([...contract.triggers.values()].every((entry) => entry.status.ready));
  assert.equal(contract.triggers.get('default/a')?.origin.file, join(dir, 'team/triggers.yml'));
  assert.deepEqual(control.problems(), []);
});

test('loads single files, and lists problems of bad documents without dropping good ones', async (t) => {
  const dir = await folder(t, {
    'a.yaml': `${broker('default')}---\n${trigger('bad', 'x').replace("uri: 'http://localhost:9090/'", 'uri: /relative')}`,
    'b.yaml': trigger('good', 'com.example.good'),
  });
  const control = await start(t, [join(dir, 'a.yaml'), join(dir, 'b.yaml')]);
  assert.deepEqual([...control.current().triggers.keys()], ['default/good']);
  assert.deepEqual(control.problems().map(formatProblem), [
    `${join(dir, 'a.yaml')} (document 2, Trigger default/bad): /spec/subscriber/uri: must be an absolute URL such as http://host/path when there is no ref`,
  ]);
});

test('a path that does not exist is refused, naming it', async (t) => {
  const dir = await folder(t, {});
  const missing = join(dir, 'nope');
  await assert.rejects(startFileControl({ paths: [dir, missing], logger: quiet }), (error) => {
    assert.ok(isEventyardError(error, 'EY_INVALID_CONFIG'));
    assert.match(error.message, new RegExp(`not found: ${missing}$`));
    return true;
  });
});

test('hot reload: a new broker file brings a new generation containing it', async (t) => {
  const dir = await folder(t, { 'default.yaml': broker('default') });
  const control = await start(t, [dir], true);
  assert.equal(control.current().generation, 1);

  const next = nextContract(control);
  await put(join(dir, 'orders.yaml'), broker('orders', 'shop'));
  const contract = await next;
  assert.equal(contract.generation, 2);
  assert.deepEqual([...contract.brokers.keys()].sort(), ['default/default', 'shop/orders']);
  assert.equal(control.current(), contract);
  // Untouched entries are the same objects, so the data plane can diff by identity.
  assert.equal(contract.brokers.get('default/default'), control.current().brokers.get('default/default'));
});

test('hot reload: a file in a new subfolder is picked up', async (t) => {
  const dir = await folder(t, { 'default.yaml': broker('default') });
  const control = await start(t, [dir], true);
  const next = nextContract(control);
  await mkdir(join(dir, 'team'));
  await put(join(dir, 'team', 't.yaml'), trigger('t', 'com.example.t'));
  const contract = await next;
  assert.equal(contract.triggers.get('default/t')?.status.ready, true);
});

test('hot reload: rewriting a file with the same content makes no new generation', async (t) => {
  const dir = await folder(t, { 'default.yaml': broker('default'), 't.yaml': trigger('t', 'com.example.t') });
  const control = await start(t, [dir], true);
  const seen: number[] = [];
  control.subscribe((contract) => seen.push(contract.generation));

  await put(join(dir, 't.yaml'), trigger('t', 'com.example.t'));
  // A reformatted file that means the same is no change either.
  await put(join(dir, 'default.yaml'), `# the default broker\n${broker('default')}`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const next = nextContract(control);
  await put(join(dir, 't.yaml'), trigger('t', 'com.example.changed'));
  const contract = await next;
  assert.deepEqual(seen, [2]);
  assert.equal(contract.generation, 2);
  assert.ok(contract.triggers.get('default/t')?.filter?.exactType === 'com.example.changed');
});

test('hot reload: a broken edit is reported and the last good version keeps running; other files are unaffected', async (t) => {
  const dir = await folder(t, {
    'default.yaml': broker('default'),
    'a.yaml': `${trigger('a', 'com.example.a')}---\n${trigger('a2', 'com.example.a2')}`,
    'b.yaml': trigger('b', 'com.example.b'),
  });
  const control = await start(t, [dir], true);
  const before = control.current();
  const a = before.triggers.get('default/a');

  // Schema error in one document: that resource keeps its last good version, the other one updates.
  let next = nextContract(control);
  await put(
    join(dir, 'a.yaml'),
    `${trigger('a', 'com.example.a').replace('broker: default', 'broker: default\n  delivery: { retry: -1 }')}---\n${trigger('a2', 'com.example.a2-new')}`,
  );
  let contract = await next;
  assert.equal(contract.triggers.get('default/a'), a, 'the last good version of a runs on');
  assert.equal(contract.triggers.get('default/a2')?.filter?.exactType, 'com.example.a2-new');
  assert.equal(contract.triggers.get('default/b'), before.triggers.get('default/b'));
  assert.deepEqual(control.problems().map(formatProblem), [
    `${join(dir, 'a.yaml')} (document 1, Trigger default/a): /spec/delivery/retry: must be at least 0`,
  ]);

  // A YAML syntax error: nothing of the file can be trusted, so everything it had keeps running.
  await put(join(dir, 'a.yaml'), 'apiVersion: eventing.knative.dev/v1\nkind: [Trigger\n');
  await waitFor(
    () => control.problems().some((problem) => problem.message.startsWith('YAML syntax error')),
    'problem',
  );
  assert.deepEqual([...control.current().triggers.keys()].sort(), ['default/a', 'default/a2', 'default/b']);

  // Fixed: problems clear and the new version applies.
  next = nextContract(control);
  await put(join(dir, 'a.yaml'), trigger('a', 'com.example.fixed'));
  contract = await next;
  assert.deepEqual(control.problems(), []);
  assert.equal(contract.triggers.get('default/a')?.filter?.exactType, 'com.example.fixed');
  assert.deepEqual(
    [...contract.triggers.keys()].sort(),
    ['default/a', 'default/b'],
    'a2 was removed from the file',
  );
});

test('hot reload: a deleted file removes its resources', async (t) => {
  const dir = await folder(t, { 'default.yaml': broker('default'), 't.yaml': trigger('t', 'com.example.t') });
  const control = await start(t, [dir], true);
  const next = nextContract(control);
  await rm(join(dir, 't.yaml'));
  const contract = await next;
  assert.equal(contract.generation, 2);
  assert.equal(contract.triggers.size, 0);
  assert.equal(contract.brokers.size, 1);
});

test('hot reload of a single configured file, and a broker removal makes its triggers not ready', async (t) => {
  const dir = await folder(t, {
    'broker.yaml': broker('default'),
    't.yaml': trigger('t', 'com.example.t'),
  });
  const control = await start(t, [join(dir, 'broker.yaml'), join(dir, 't.yaml')], true);
  const next = nextContract(control);
  await writeFile(join(dir, 'broker.yaml'), '# no broker any more\n');
  const contract = await next;
  assert.equal(contract.brokers.size, 0);
  assert.equal(contract.triggers.get('default/t')?.status.reason, 'BrokerNotFound');
  assert.ok(control.problems().some((problem) => problem.path === '/spec/broker'));
});

test('unsubscribed listeners hear nothing more, and close stops watching', async (t) => {
  const dir = await folder(t, { 'default.yaml': broker('default') });
  const control = await start(t, [dir], true);
  const heard: number[] = [];
  const unsubscribe = control.subscribe((contract) => heard.push(contract.generation));
  const next = nextContract(control);
  await put(join(dir, 'b.yaml'), broker('b'));
  await next;
  unsubscribe();
  const again = nextContract(control);
  await put(join(dir, 'c.yaml'), broker('c'));
  await again;
  assert.deepEqual(heard, [2]);

  await control.close();
  await put(join(dir, 'd.yaml'), broker('d'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(control.current().brokers.has('default/d'), false);
});
