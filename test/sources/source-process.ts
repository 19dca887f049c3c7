import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI, ROOT } from '../support/eventyard.ts';

export interface SourceProcess {
  /** Where the source listens (webhook, or ping with --port); undefined for ping without a port. */
  readonly url: string | undefined;
  readonly child: ChildProcess;
  readonly logs: Array<Record<string, unknown>>;
  stop(): Promise<number | null>;
}

/** Runs `eventyard source <kind> ...` and waits until it listens (or, ping without --port, has scheduled). */
export async function startSource(
  kind: 'webhook' | 'ping',
  args: string[],
  t: { after(fn: () => Promise<unknown>): void },
  env: NodeJS.ProcessEnv = {},
): Promise<SourceProcess> {
  const child = spawn(process.execPath, [CLI, 'source', kind, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  t.after(stop);
  const url = await new Promise<string | undefined>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`source did not start within 15 s\n${stderr}`)), 15000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        record = { msg: line };
      }
      logs.push(record);
      if (record.msg === 'listening' || record.msg === 'scheduled') {
        clearTimeout(timer);
        resolve(typeof record.url === 'string' ? record.url : undefined);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`source exited with ${code} before listening\n${stderr}`));
    });
  });
  return { url, child, logs, stop };
}
