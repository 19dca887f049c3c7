/**
 * Kafka for the benchmarks: the broker (KAFKA_BROKERS, or a throw-away node from the test
 * harness), topics, and Apache Kafka's own `kafka-producer-perf-test` (ProducerPerformance from
 * the kafka-tools jar of the same version, fetched with Maven into .kafka/tools).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaVersion, startKafka } from '../../test/kafka/kafka.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TOOLS = join(ROOT, '.kafka/tools');
const POM = join(import.meta.dirname, 'kafka-tools/pom.xml');
const STAMP = '.eventyard-complete';

export interface BenchKafka {
  brokers: string;
  version: string;
  stop(): Promise<void>;
}

/** KAFKA_BROKERS when set (left running), else a fresh single node stopped by `stop()`. */
export async function ensureKafka(): Promise<BenchKafka> {
  const version = kafkaVersion();
  const given = process.env.KAFKA_BROKERS;
  if (given) return { brokers: given, version, stop: async () => {} };
  const handle = await startKafka({ onProgress: (m) => process.stderr.write(`kafka: ${m}\n`) });
  return { brokers: handle.brokers, version, stop: handle.stop };
}

function kafkajs(brokers: string): Kafka {
  return new Kafka({ clientId: 'eventyard-bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function createTopic(brokers: string, topic: string, partitions: number): Promise<void> {
  const admin = kafkajs(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(brokers: string, topics: string[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = kafkajs(brokers).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => {});
  } finally {
    await admin.disconnect();
  }
}

/** Topics whose name starts with `prefix` (what a benchmark's broker created). */
export async function topicsStartingWith(brokers: string, prefix: string): Promise<string[]> {
  const admin = kafkajs(brokers).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  } finally {
    await admin.disconnect();
  }
}

/** The kafka-tools jars, fetched with Maven on first use (cached in ~/.m2 afterwards). */
async function toolsClasspath(): Promise<string> {
  const version = kafkaVersion();
  const fingerprint = createHash('sha256')
    .update(await readFile(POM, 'utf8'))
    .update(version)
    .digest('hex');
  const stamp = join(TOOLS, STAMP);
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === fingerprint) return join(TOOLS, '*');
  process.stderr.write(`kafka: fetching Apache Kafka ${version} tools with Maven...\n`);
  const staging = `${TOOLS}.tmp-${process.pid}`;
  await mkdir(staging, { recursive: true });
  try {
    const result = await run('mvn', [
      '-B',
      '-q',
      '-f',
      POM,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${staging}`,
      '-DincludeScope=runtime',
      `-Dkafka.version=${version}`,
    ]);
    if (result.code !== 0) throw new Error(`mvn could not fetch kafka-tools ${version}:\n${result.output}`);
    if (!(await readdir(staging)).includes(`kafka-tools-${version}.jar`)) {
      throw new Error(`mvn finished but kafka-tools-${version}.jar is not in ${staging}`);
    }
    await writeFile(join(staging, STAMP), fingerprint);
    await rm(TOOLS, { recursive: true, force: true });
    await rename(staging, TOOLS);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return join(TOOLS, '*');
}

/**
 * Kafka's `kafka-producer-perf-test`: `records` records of `recordSize` random bytes, acks=all,
 * unthrottled. Resolves with its closing records/s figure.
 */
export async function producerPerfTest(
  brokers: string,
  topic: string,
  records: number,
  recordSize: number,
): Promise<number> {
  const classpath = await toolsClasspath();
  const result = await run('java', [
    '-Xmx512m',
    '-XX:+UseG1GC',
    '-cp',
    classpath,
    'org.apache.kafka.tools.ProducerPerformance',
    '--bootstrap-server',
    brokers,
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--record-size',
    String(recordSize),
    '--throughput',
    '-1',
    '--command-property',
    'acks=all',
  ]);
  // The closing line: "N records sent, X records/sec (Y MB/sec), ... latency ...".
  const closing = [...result.output.matchAll(/(\d+) records sent, ([\d.]+) records\/sec/g)].at(-1);
  if (result.code !== 0 || !closing || Number(closing[1]) !== records) {
    throw new Error(`kafka-producer-perf-test failed:\n${result.output.slice(-2000)}`);
  }
  return Number(closing[2]);
}

function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', reject);
    child.once('close', (code) =>
      resolveRun({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }),
    );
  });
}
