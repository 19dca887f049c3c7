import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'packages/cli/src/main.ts');

export interface EventyardProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Every stdout line parsed as a pino JSON log record (non-JSON lines kept as { msg }). */
  readonly logs: Array<Record<string, unknown>>;
  readonly stderr: () => string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

/** Runs the real `eventyard start` as a child process on a free port and waits until it listens. */
export async function startEventyard(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<EventyardProcess> {
  const child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--host', '127.0.0.1', ...args], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const listening = new Promise<{ url: string; port: number }>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`eventyard did not listen within ${options.timeoutMs ?? 20000} ms\n${stderr}`)),
      options.timeoutMs ?? 20000,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        record = { msg: line };
      }
      logs.push(record);
      if (record.msg === 'listening') {
        clearTimeout(timer);
        done({ url: String(record.url), port: Number(record.port) });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`eventyard exited with ${code} before listening\n${stderr}`));
    });
  });
  let address: { url: string; port: number };
  try {
    address = await listening;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const { url, port } = address;
  return {
    url,
    port,
    child,
    logs,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      // The process bounds its own shutdown; past that, kill it so a hang fails the test, not the run.
      const timer = setTimeout(() => child.kill('SIGKILL'), 40000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs an `eventyard` subcommand to completion. */
export async function runEventyard(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    // The test runner exports KAFKA_BROKERS for the Kafka tests; everything else uses the embedded log.
    env: { ...process.env, KAFKA_BROKERS: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30000);
  const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A fresh temporary directory, removed when the test ends. */
export async function tempDir(
  t: { after(fn: () => Promise<void>): void },
  prefix = 'eventyard-',
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Polls `check` until it returns true or the deadline passes. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
