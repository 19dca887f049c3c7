/**
 * A real, single-node Apache Kafka for development and tests, without Docker.
 *
 *   npm run kafka -- start [--port 9092] [--fresh]   # runs in the background, prints KAFKA_BROKERS=...
 *   npm run kafka -- status | stop | logs
 *
 * and, for the test runner, `startKafka()` (a throw-away node that lives as long as the caller).
 *
 * Apache Kafka's own broker jars come from Maven Central: `mvn dependency:copy-dependencies` on
 * test/kafka/pom.xml copies them into .kafka/libs (cached in ~/.m2, so only the first run
 * downloads). The storage is formatted with `kafka.tools.StorageTool format --standalone` and the
 * node runs in KRaft combined mode with `java -cp '.kafka/libs/*' kafka.Kafka server.properties`.
 * Start-up is complete when the port accepts connections AND a metadata request succeeds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const KAFKA_HOME = join(ROOT, '.kafka');
const LIBS = join(KAFKA_HOME, 'libs');
const POM = join(HERE, 'pom.xml');
const SERVER_TEMPLATE = join(HERE, 'server.properties');
const LOG4J_CONFIG = join(HERE, 'log4j2.properties');
/** The background node of `start` / `stop` / `status`. */
const DEV_DIR = join(KAFKA_HOME, 'dev');
const STAMP = '.eventyard-complete';
const HOST = '127.0.0.1';
/** Kafka 4 brokers need Java 17 or newer. */
const MIN_JAVA = 17;
/** The first run downloads ~45 MB from Maven Central. */
const MAVEN_TIMEOUT_MS = 10 * 60_000;

export interface StartKafkaOptions {
  /**
   * Directory for the node's data, configuration and log. Default: a fresh directory under
   * .kafka/ that `stop()` removes. A directory that is already formatted is reused as it is.
   */
  dir?: string;
  /** Client port. Default: a free port. */
  port?: number;
  /**
   * Give up on a node that does not answer this long after it was launched (and show the end of
   * its log). Fetching the jars on a first run comes before and does not count. Default 90 000 ms.
   */
  timeoutMs?: number;
  /** Keep the node running after this process exits (the CLI `start`). Default false. */
  detached?: boolean;
  /** Maximum Java heap in MiB. Default 1024. */
  heapMb?: number;
  /** Progress lines. Default: written to stderr. */
  onProgress?: (message: string) => void;
}

export interface KafkaHandle {
  /** Bootstrap servers, as KAFKA_BROKERS takes them: `127.0.0.1:<port>`. */
  brokers: string;
  pid: number;
  dir: string;
  /** Where the node's stdout/stderr (its log) goes. */
  logFile: string;
  /** Stops the node (SIGTERM, then SIGKILL after 20 s); removes a directory that start() created. */
  stop(): Promise<void>;
}

/** Thrown for every start-up problem; the message says what to do. */
export class KafkaStartError extends Error {
  override name = 'KafkaStartError';
}

const defaultProgress = (message: string) => process.stderr.write(`kafka: ${message}\n`);

/** Starts one KRaft node and resolves once it answers metadata requests. */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaHandle> {
  const progress = options.onProgress ?? defaultProgress;
  const timeoutMs = options.timeoutMs ?? 90_000;
  await checkTools();
  await cleanStaleRuns();
  const libs = await ensureJars(progress);

  const owned = options.dir === undefined;
  const dir = options.dir ?? join(KAFKA_HOME, `run-${process.pid}-${randomBytes(3).toString('hex')}`);
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const config = join(dir, 'server.properties');
  const brokerPort = options.port || (await freePort());
  // A formatted node keeps its controller port: the KRaft voter set records the endpoint.
  const previousController = await previousControllerPort(config);
  const controllerPort =
    previousController !== undefined &&
    previousController !== brokerPort &&
    !(await portOpen(previousController))
      ? previousController
      : await freePort(brokerPort);
  const template = await readFile(SERVER_TEMPLATE, 'utf8');
  await writeFile(
    config,
    template
      .replaceAll('{{brokerPort}}', String(brokerPort))
      .replaceAll('{{controllerPort}}', String(controllerPort))
      .replaceAll('{{dataDir}}', dataDir),
  );
  const logFile = join(dir, 'kafka.log');

  const meta = join(dataDir, 'meta.properties');
  if (!existsSync(meta)) await formatStorage(libs, config, logFile);
  const cluster = /^cluster\.id=(.+)$/m.exec(await readFile(meta, 'utf8'))?.[1]?.trim();
  if (!cluster) throw new KafkaStartError(`no cluster.id in ${meta}`);

  const started = Date.now();
  const java = launch(libs, config, logFile, options.heapMb ?? 1024, options.detached ?? false);
  const pid = java.pid;
  if (pid === undefined) throw new KafkaStartError('could not start java');
  await writeFile(join(dir, 'kafka.pid'), `${pid}\n`);
  const brokers = `${HOST}:${brokerPort}`;

  let exited = false;
  const exitedPromise = new Promise<void>((resolveExit) => {
    const done = () => {
      exited = true;
      resolveExit();
    };
    java.once('exit', done);
    java.once('error', done); // could not be started at all; the log says why
  });
  // A node owned by this process never outlives it, even when the caller forgets stop().
  const killOnExit = () => {
    if (!exited) java.kill('SIGKILL');
  };
  if (!options.detached) process.once('exit', killOnExit);

  const halt = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (exited) return;
    java.kill('SIGTERM');
    const timer = setTimeout(() => java.kill('SIGKILL'), 20_000);
    await exitedPromise;
    clearTimeout(timer);
  };
  const stop = async (): Promise<void> => {
    await halt();
    if (owned) await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(brokers, brokerPort, cluster, Date.now() + timeoutMs, () => exited);
  } catch (error) {
    // The directory stays for a look (the next start clears it away).
    await halt().catch(() => {});
    throw new KafkaStartError(`${(error as Error).message}\n${await logSummary(logFile)}`);
  }
  progress(
    `Apache Kafka ${kafkaVersion()} ready at ${brokers} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (options.detached) java.unref();
  return { brokers, pid, dir, logFile, stop };
}

// ---------------------------------------------------------------------------------------------
// Tools and jars

/** The Kafka version the pom pins (one source of truth). */
export function kafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!match?.[1]) throw new KafkaStartError(`no <kafka.version> in ${POM}`);
  return match[1];
}

async function checkTools(): Promise<void> {
  const java = await run('java', ['-version']).catch(() => undefined);
  if (java?.code !== 0) {
    throw new KafkaStartError(
      `Java ${MIN_JAVA}+ is needed to run Apache Kafka for development and tests, and \`java\` was not found.\n` +
        'Install it, e.g.: apt-get install openjdk-17-jre-headless maven',
    );
  }
  // `java -version` writes `openjdk version "17.0.15" ...` (or "1.8.0_402" for Java 8) to stderr.
  const version = /version "(\d+)(?:\.(\d+))?/.exec(java.output);
  const major = version ? (version[1] === '1' ? Number(version[2]) : Number(version[1])) : 0;
  if (major < MIN_JAVA) {
    throw new KafkaStartError(
      `Apache Kafka ${kafkaVersion()} needs Java ${MIN_JAVA}+, found: ${java.output.split('\n')[0]}\n` +
        'Install it, e.g.: apt-get install openjdk-17-jre-headless',
    );
  }
  const mvn = await run('mvn', ['-v']).catch(() => undefined);
  if (mvn?.code !== 0) {
    throw new KafkaStartError(
      "Maven is needed to fetch Apache Kafka's jars from Maven Central, and `mvn` was not found.\n" +
        'Install it, e.g.: apt-get install maven',
    );
  }
}

/** .kafka/libs holding exactly what the pom asks for; fetched with Maven when missing or stale. */
async function ensureJars(progress: (message: string) => void): Promise<string> {
  const pom = await readFile(POM, 'utf8');
  const fingerprint = createHash('sha256').update(pom).digest('hex');
  const stamp = join(LIBS, STAMP);
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === fingerprint) return LIBS;

  const version = kafkaVersion();
  progress(`fetching Apache Kafka ${version} jars with Maven (cached in ~/.m2 afterwards)...`);
  const started = Date.now();
  // Copy into a private directory and rename it into place, so concurrent first runs never see
  // (or run from) a half-filled .kafka/libs.
  const staging = join(KAFKA_HOME, `libs.tmp-${process.pid}-${randomBytes(3).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  try {
    const mvn = await run(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        POM,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`,
        '-DincludeScope=runtime',
      ],
      MAVEN_TIMEOUT_MS,
    );
    if (mvn.code !== 0) {
      throw new KafkaStartError(
        `mvn could not fetch Apache Kafka ${version} (is Maven Central reachable?)\n${mvn.output.trim()}`,
      );
    }
    await writeFile(join(staging, STAMP), fingerprint);
    const jars = (await readdir(staging)).filter((name) => name.endsWith('.jar'));
    if (!jars.includes(`kafka_2.13-${version}.jar`)) {
      throw new KafkaStartError(`mvn finished but kafka_2.13-${version}.jar is not in ${staging}`);
    }
    await rm(LIBS, { recursive: true, force: true });
    try {
      await rename(staging, LIBS);
    } catch (error) {
      // Another process put its copy in place between our rm and rename: use that one.
      if (!existsSync(stamp)) throw error;
    }
    progress(`fetched ${jars.length} jars in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return LIBS;
}

// ---------------------------------------------------------------------------------------------
// The node

function javaArgs(libs: string, heapMb: number): string[] {
  return [
    `-Xmx${heapMb}m`,
    '-Xms256m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
    // java expands the `dir/*` class-path wildcard itself; no shell involved.
    '-cp',
    join(libs, '*'),
  ];
}

/** A fresh cluster id: 16 random bytes in URL-safe base64, like `kafka-storage random-uuid`. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // Kafka's Uuid.randomUuid never hands out ids starting with '-': they read as CLI flags.
    if (!id.startsWith('-')) return id;
  }
}

async function formatStorage(libs: string, config: string, logFile: string): Promise<void> {
  const result = await run('java', [
    ...javaArgs(libs, 256),
    'kafka.tools.StorageTool',
    'format',
    '--standalone',
    '--cluster-id',
    clusterId(),
    '--config',
    config,
  ]);
  await writeFile(logFile, result.output);
  if (result.code !== 0) {
    throw new KafkaStartError(`formatting the Kafka storage failed:\n${result.output.trim()}`);
  }
}

function launch(
  libs: string,
  config: string,
  logFile: string,
  heapMb: number,
  detached: boolean,
): ChildProcess {
  const out = openSync(logFile, 'a');
  try {
    return spawn('java', [...javaArgs(libs, heapMb), 'kafka.Kafka', config], {
      cwd: dirname(config),
      // Detached: its own process group, so Ctrl-C in this terminal does not stop it.
      detached,
      stdio: ['ignore', out, out],
    });
  } finally {
    closeSync(out);
  }
}

async function waitUntilReady(
  brokers: string,
  port: number,
  cluster: string,
  deadline: number,
  exited: () => boolean,
) {
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited()) throw new KafkaStartError('Kafka exited during start-up');
    if (await portOpen(port)) {
      try {
        await probe(brokers, cluster);
        return;
      } catch (error) {
        lastError = (error as Error).message;
      }
    }
    await sleep(250);
  }
  throw new KafkaStartError(`Kafka did not become ready within the timeout (last error: ${lastError})`);
}

/**
 * A metadata request that names this broker's cluster, then a group-coordinator lookup: the latter creates
 * __consumer_offsets now rather than in the middle of the first test that uses a group.
 */
async function probe(brokers: string, cluster: string): Promise<void> {
  const kafka = new Kafka({
    clientId: 'eventyard-kafka-script',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const described = await admin.describeCluster();
    // Another broker on the port (a leftover, another checkout) must not pass for this one.
    if (described.clusterId !== cluster) {
      throw new Error(
        `${brokers} answers for cluster ${described.clusterId}, not ${cluster}: is the port taken?`,
      );
    }
    if (described.brokers.length === 0) throw new Error('metadata lists no broker');
    await admin.describeGroups(['eventyard-kafka-script-probe']);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const socket = connect({ host: HOST, port });
    socket.setTimeout(1000);
    const done = (open: boolean) => {
      socket.destroy();
      resolveOpen(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

async function previousControllerPort(config: string): Promise<number | undefined> {
  try {
    const match = /^controller\.quorum\.bootstrap\.servers=[^:]+:(\d+)/m.exec(await readFile(config, 'utf8'));
    return match?.[1] ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function freePort(avoid?: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        if (port === avoid) freePort(avoid).then(resolvePort, reject);
        else resolvePort(port);
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Processes

/** True when `pid` is a live Kafka node (not a recycled pid). */
function isKafkaProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka');
  } catch {
    return true; // no /proc: trust the signal check
  }
}

function readPid(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, 'kafka.pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function stopPid(pid: number): Promise<void> {
  if (!isKafkaProcess(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (isKafkaProcess(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await sleep(200);
  }
}

/** Directories of earlier `startKafka()` calls whose process died without stop() (a killed test run). */
async function cleanStaleRuns(): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(KAFKA_HOME);
  } catch {
    return;
  }
  for (const name of entries) {
    const owner = /^(?:run|libs\.tmp)-(\d+)-/.exec(name);
    if (!owner || processAlive(Number(owner[1]))) continue;
    const dir = join(KAFKA_HOME, name);
    const pid = readPid(dir);
    if (pid !== undefined) await stopPid(pid);
    await rm(dir, { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // A killed process stays a zombie until its parent reaps it; it is gone all the same.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function run(
  command: string,
  args: string[],
  timeoutMs = 120_000,
): Promise<{ code: number; output: string }> {
  return new Promise((resolveRun, reject) => {
    // `timeout` kills a command that hangs (a stalled download); it then fails with its output.
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const output = Buffer.concat(chunks).toString('utf8');
      resolveRun({
        code: code ?? 1,
        output: signal ? `${output}\n(${command} stopped after ${timeoutMs} ms)` : output,
      });
    });
  });
}

/** The ERROR lines of a failed start (they name the cause), then the end of the log. */
async function logSummary(file: string): Promise<string> {
  let lines: string[];
  try {
    lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  } catch {
    return `(no log at ${file})`;
  }
  const errors = lines.filter((line) => / ERROR /.test(line)).slice(0, 10);
  return [
    ...(errors.length > 0 ? [`--- errors in ${file} ---`, ...errors] : []),
    `--- last lines of ${file} ---`,
    ...lines.slice(-25),
  ].join('\n');
}

async function logTail(file: string, lines = 40): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const sleep = (ms: number) => new Promise<void>((resolveSleep) => setTimeout(resolveSleep, ms));

// ---------------------------------------------------------------------------------------------
// Command line

function devBrokers(): string | undefined {
  try {
    return readFileSync(join(DEV_DIR, 'brokers'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function devPort(): number | undefined {
  const port = Number(devBrokers()?.split(':')[1]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

async function cli(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const pid = readPid(DEV_DIR);
  const running = pid !== undefined && isKafkaProcess(pid);
  switch (command) {
    case 'start': {
      if (running) {
        process.stderr.write(`kafka: already running (pid ${pid})\n`);
        process.stdout.write(`KAFKA_BROKERS=${devBrokers()}\n`);
        return 0;
      }
      const portFlag = rest.indexOf('--port');
      const port = portFlag >= 0 ? Number(rest[portFlag + 1]) : undefined;
      if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
        process.stderr.write('kafka: --port needs a port number\n');
        return 2;
      }
      if (rest.includes('--fresh')) await rm(DEV_DIR, { recursive: true, force: true });
      // Keep the port of the last run, so KAFKA_BROKERS in a shell stays valid across restarts.
      const previous = devPort();
      const preferred = port ?? previous ?? 9092;
      const handle = await startKafka({
        dir: DEV_DIR,
        detached: true,
        port: port ?? ((await portFree(preferred)) ? preferred : undefined),
      });
      await writeFile(join(DEV_DIR, 'brokers'), `${handle.brokers}\n`);
      process.stderr.write(
        `kafka: pid ${handle.pid}, data and log in ${DEV_DIR}; stop with: npm run kafka stop\n`,
      );
      process.stdout.write(`KAFKA_BROKERS=${handle.brokers}\n`);
      return 0;
    }
    case 'stop': {
      if (!running) {
        process.stderr.write('kafka: not running\n');
        return 0;
      }
      await stopPid(pid);
      await rm(join(DEV_DIR, 'kafka.pid'), { force: true });
      process.stderr.write(`kafka: stopped (pid ${pid})\n`);
      return 0;
    }
    case 'status': {
      if (!running) {
        process.stdout.write('kafka: not running\n');
        return 1;
      }
      process.stdout.write(`kafka: running, pid ${pid}, KAFKA_BROKERS=${devBrokers()}, data in ${DEV_DIR}\n`);
      return 0;
    }
    case 'logs': {
      process.stdout.write(`${await logTail(join(DEV_DIR, 'kafka.log'), Number(rest[0]) || 50)}\n`);
      return 0;
    }
    default:
      process.stderr.write(
        'usage: npm run kafka -- start [--port N] [--fresh] | stop | status | logs [lines]\n' +
          '  start   run one Apache Kafka node in the background (data in .kafka/dev), print KAFKA_BROKERS\n' +
          '  stop    stop it; status: exit code 0 when running; logs: the end of its log\n',
      );
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

async function portFree(port: number): Promise<boolean> {
  return !(await portOpen(port));
}

if (import.meta.main) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`kafka: ${error instanceof KafkaStartError ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
