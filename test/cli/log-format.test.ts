import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { CLI, ROOT, startEventyard, tempDir } from '../support/eventyard.ts';
import { brokerYaml, writeManifest } from '../support/manifests.ts';

function isJson(line: string): boolean {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
}

/** eventyard's own "listening" record, readable or JSON (fastify's "Server listening at" comes first). */
const LISTENING = /INFO: listening|"msg":"listening"/;

/** Runs `command args` until a stdout line mentions "listening"; returns the lines so far, then stops it. */
async function linesUntilListening(
  t: { after(fn: () => unknown): void },
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<string[]> {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines: string[] = [];
  return new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening" line in 20 s:\n${lines.join('\n')}\n${stderr}`)),
      20000,
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (LISTENING.test(stripVTControlCharacters(line))) {
        clearTimeout(timer);
        resolve(lines);
      }
    });
    exited.then((code) => reject(new Error(`exited with ${code}:\n${lines.join('\n')}\n${stderr}`)));
  });
}

const startArgs = (dir: string) => [
  CLI,
  'start',
  '--port',
  '0',
  '--host',
  '127.0.0.1',
  '--config',
  dir,
  '--data-dir',
  `${dir}/data`,
];

test('--log-format pretty prints readable lines, not JSON', async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'broker.yaml', brokerYaml('default', 'default'));
  const lines = await linesUntilListening(t, process.execPath, [...startArgs(dir), '--log-format', 'pretty']);
  // No colour codes off a terminal, and no JSON line at all.
  assert.match(
    lines.at(-1)!,
    /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: listening \{.*"url":"http:\/\/127\.0\.0\.1:\d+"/,
  );
  for (const line of lines) assert.equal(isJson(line), false, line);
  assert.equal(stripVTControlCharacters(lines.join('\n')), lines.join('\n'));
});

test('EVENTYARD_LOG_FORMAT=pretty does the same', async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'broker.yaml', brokerYaml('default', 'default'));
  const lines = await linesUntilListening(t, process.execPath, startArgs(dir), {
    EVENTYARD_LOG_FORMAT: 'pretty',
  });
  assert.match(lines.at(-1)!, /INFO: listening/);
  for (const line of lines) assert.equal(isJson(line), false, line);
});

test('on a terminal the default is readable lines; --log-format json keeps JSON there', async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'broker.yaml', brokerYaml('default', 'default'));
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  // script(1) gives the process a pseudo-terminal as stdout.
  const onTerminal = (extra: string[]) =>
    linesUntilListening(t, 'script', [
      '-qfec',
      [process.execPath, ...startArgs(dir), ...extra].map(quote).join(' '),
      '/dev/null',
    ]);
  const pretty = await onTerminal([]);
  const listening = stripVTControlCharacters(pretty.at(-1)!).trim();
  assert.match(listening, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: listening/);
  assert.equal(isJson(listening), false, listening);
  const json = await onTerminal(['--log-format', 'json']);
  const record = JSON.parse(json.at(-1)!.trim()) as { msg: string };
  assert.equal(record.msg, 'listening');
});

test('through a pipe the default stays JSON lines', async (t) => {
  const dir = await tempDir(t);
  await writeManifest(dir, 'broker.yaml', brokerYaml('default', 'default'));
  const broker = await startEventyard(['--config', dir, '--data-dir', `${dir}/data`]);
  t.after(() => broker.stop());
  const listening = broker.logs.find((record) => record.msg === 'listening');
  assert.equal(listening?.level, 30);
  assert.equal(listening?.service, 'eventyard');
});
