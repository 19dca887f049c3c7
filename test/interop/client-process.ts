import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A client program of ours that prints one JSON object per line on stdout. */
export interface ClientProcess {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  readonly stderr: () => string;
  /** Resolves with the first line matching `predicate`. */
  waitFor(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves when `count` lines match `predicate`. */
  waitForCount(
    predicate: (line: Record<string, unknown>) => boolean,
    count: number,
    timeoutMs?: number,
  ): Promise<Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

export function startClient(
  command: string,
  args: string[],
  t: { after(fn: () => Promise<void>): void },
): ClientProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const listeners = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as Record<string, unknown>);
    } catch {
      lines.push({ text });
    }
    for (const listener of listeners) listener();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const waitForCount: ClientProcess['waitForCount'] = (predicate, count, timeoutMs = 15000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const matching = lines.filter(predicate);
        if (matching.length < count) return false;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(matching);
        return true;
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(
          new Error(
            `${command} printed ${lines.filter(predicate).length} of ${count} expected lines within ${timeoutMs} ms:\n${lines
              .map((l) => JSON.stringify(l))
              .join('\n')}\n${stderr}`,
          ),
        );
      }, timeoutMs);
      if (!check()) listeners.add(check);
    });

  const client: ClientProcess = {
    child,
    lines,
    stderr: () => stderr,
    waitFor: async (predicate, timeoutMs) => (await waitForCount(predicate, 1, timeoutMs))[0]!,
    waitForCount,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  t.after(() => client.stop());
  return client;
}

/** Runs a client program to completion and returns its JSON lines. */
export async function runClient(
  command: string,
  args: string[],
  timeoutMs = 30000,
): Promise<{ code: number | null; lines: Array<Record<string, unknown>>; stderr: string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  const lines = stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines, stderr };
}
