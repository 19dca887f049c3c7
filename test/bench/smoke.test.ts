/**
 * The benchmark suite's quick mode runs and prints its table (a smoke check, not a measurement):
 * every benchmark of bench/run.ts with the default Kafka client, at smoke sizes, against the
 * Kafka the test command started.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');

test('npm run bench -- --quick prints one row per benchmark', { timeout: 180_000 }, async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (done) => {
      const child = spawn(
        process.execPath,
        [resolve(ROOT, 'bench/run.ts'), '--quick', '--smoke', '--clients', 'platformatic'],
        { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk;
      });
      child.on('exit', (exitCode) => done({ code: exitCode, stdout, stderr }));
    },
  );
  assert.equal(code, 0, `bench/run.ts failed:\n${stderr.slice(-3000)}`);
  assert.match(
    stdout,
    /\| # \| benchmark \| measured \| baseline \(same run\) \| ratio \/ figure \| target \|/,
  );
  assert.match(stdout, /Node v\d+/);
  for (const id of ['1', '2', '3', '4', '5', '6', '7', '9']) {
    assert.match(
      stdout,
      new RegExp(`^\\| ${id} \\| .+ \\| .+ \\| .+ \\| .+ \\| .+ \\| (met|missed) \\|$`, 'm'),
      `row ${id}`,
    );
  }
});
