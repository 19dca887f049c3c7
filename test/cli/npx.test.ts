import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from '../support/eventyard.ts';

const run = promisify(execFile);

/** The PATH a user has: without the checkout's node_modules/.bin, so `node` is whatever the system has. */
const USER_PATH = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((entry) => !entry.includes('node_modules'))
  .join(delimiter);

async function npx(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return run('npx', ['--offline', ...args], {
    cwd,
    env: { ...process.env, PATH: USER_PATH, ...env },
    timeout: 60000,
  });
}

for (const where of ['.', 'examples/callcenter', 'packages/cli/src']) {
  test(`npx eventyard --help works from ${where} whatever node is on the PATH`, async () => {
    const { stdout } = await npx(['eventyard', '--help'], join(ROOT, where));
    assert.match(stdout, /^Usage: eventyard <command>/);
    assert.match(stdout, /start\s+run the broker/);
  });
}

test('the example services run with npx as the docs say', async (t) => {
  const child = spawn('npx', ['--offline', 'callcenter-event-display'], {
    cwd: join(ROOT, 'examples'),
    env: { ...process.env, PATH: USER_PATH, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // npx runs the service in a child of its own: stop the whole group.
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {}
  });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the service did not start within 30 s')), 30000);
    createInterface({ input: child.stdout! }).on('line', (text) => {
      clearTimeout(timer);
      resolve(text);
    });
    child.once('exit', (code) => reject(new Error(`npx exited with ${code}`)));
  });
  assert.match(line, /^event-display \| listening on/);
});

test('README and the examples never tell users to run `node file.ts`', async () => {
  for (const file of ['README.md', 'examples/callcenter/README.md']) {
    const text = await readFile(join(ROOT, file), 'utf8');
    assert.doesNotMatch(text, /(^|[\s`(])node\s+\S+\.ts\b/m, file);
    assert.match(text, /npx (eventyard|callcenter)/, file);
  }
});
