import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/*
 * The real CloudEvents clients these tests talk to are installed by the tests themselves, so a
 * fresh machine (or CI) needs only python3 (3.10+, with venv) and Go: the Python SDK comes from
 * PyPI into a virtualenv, the Go SDK from the Go module proxy into a built binary. Both are cached
 * under ~/.cache/eventyard (or $EVENTYARD_CACHE_DIR), keyed by a hash of what defines them, so a
 * second run starts at once and a changed requirement or source builds afresh.
 */

export const INTEROP_DIR = import.meta.dirname;
export const CACHE_DIR = process.env.EVENTYARD_CACHE_DIR || join(homedir(), '.cache', 'eventyard');

interface Run {
  code: number | null;
  output: string;
}

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', (error) => resolve({ code: null, output: `${output}${error.message}` }));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Removes the builds of earlier versions (`<prefix><other hash>`) once a new one is in place. */
async function pruneOlder(prefix: string, keep: string): Promise<void> {
  for (const entry of await readdir(CACHE_DIR)) {
    if (entry.startsWith(prefix) && entry !== keep && !entry.includes('.tmp-')) {
      await rm(join(CACHE_DIR, entry), { recursive: true, force: true });
    }
  }
}

async function hashOf(files: string[], extra = ''): Promise<string> {
  const hash = createHash('sha256').update(extra);
  for (const file of files) hash.update(await readFile(file));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The Python interpreter of a virtualenv holding test/interop/python/requirements.txt. Built in a
 * temporary folder and renamed into place, so concurrent runs never see half an install.
 */
export async function pythonWithCloudEvents(): Promise<string> {
  const requirements = join(INTEROP_DIR, 'python', 'requirements.txt');
  const python = process.env.EVENTYARD_PYTHON || 'python3';
  const version = await run(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
  if (version.code !== 0) {
    throw new Error(
      `interop tests need Python 3.10+ as "${python}" (set EVENTYARD_PYTHON to another): ${version.output}`,
    );
  }
  const [major, minor] = version.output.trim().split('.').map(Number) as [number, number];
  if (major < 3 || (major === 3 && minor < 10)) {
    throw new Error(`interop tests need Python 3.10+, "${python}" is ${version.output.trim()}`);
  }
  const venv = join(CACHE_DIR, `interop-python-${await hashOf([requirements], version.output)}`);
  const interpreter = join(venv, 'bin', 'python');
  if (await exists(join(venv, '.installed'))) return interpreter;

  await mkdir(CACHE_DIR, { recursive: true });
  const building = `${venv}.tmp-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  const created = await run(python, ['-m', 'venv', building]);
  if (created.code !== 0) {
    throw new Error(
      `"${python} -m venv" failed; on Debian/Ubuntu install python3-venv (apt-get install python3-venv):\n${created.output}`,
    );
  }
  const installed = await run(join(building, 'bin', 'python'), [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--no-input',
    '--quiet',
    '-r',
    requirements,
  ]);
  if (installed.code !== 0) {
    await rm(building, { recursive: true, force: true });
    throw new Error(`pip install -r ${requirements} failed:\n${installed.output}`);
  }
  await writeFile(join(building, '.installed'), new Date().toISOString());
  try {
    await rename(building, venv);
  } catch {
    // Another run finished first: use its virtualenv.
    await rm(building, { recursive: true, force: true });
  }
  await pruneOlder('interop-python-', basename(venv));
  return interpreter;
}

/** The `ce-go` binary built from test/interop/go (module and sum committed) with the installed Go. */
export async function goCloudEventsClient(): Promise<string> {
  const dir = join(INTEROP_DIR, 'go');
  const go = process.env.EVENTYARD_GO || 'go';
  const version = await run(go, ['version']);
  if (version.code !== 0) {
    throw new Error(
      `interop tests need Go 1.23+ as "${go}" (set EVENTYARD_GO to another): ${version.output}`,
    );
  }
  const files = ['go.mod', 'go.sum', 'main.go'].map((f) => join(dir, f));
  const binary = join(CACHE_DIR, `interop-go-${await hashOf(files, version.output)}`, 'ce-go');
  if (await exists(binary)) return binary;
  const building = `${binary}.tmp-${process.pid}`;
  await mkdir(dirname(binary), { recursive: true });
  const built = await run(go, ['build', '-o', building, '.'], { cwd: dir, env: { CGO_ENABLED: '0' } });
  if (built.code !== 0) throw new Error(`go build in ${dir} failed:\n${built.output}`);
  await rename(building, binary);
  await pruneOlder('interop-go-', basename(dirname(binary)));
  return binary;
}
