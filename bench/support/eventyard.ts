/**
 * An `eventyard start` process for a benchmark: resources written to a fresh folder, the log on
 * Kafka (with the chosen client) or embedded, listening on a free port. Its RSS is read from /proc.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from './processes.ts';

const MAIN = resolve(import.meta.dirname, '../../packages/cli/src/main.ts');

/** Where the broker's log lives: Kafka through one of its clients, or the embedded log. */
export type LogChoice = { kind: 'kafka'; brokers: string; client: KafkaClientName } | { kind: 'embedded' };
export type KafkaClientName = 'kafkajs' | 'platformatic';

export interface Eventyard {
  /** The broker's ingress URL, `http://127.0.0.1:<port>/<namespace>/bench`. */
  ingress: string;
  url: string;
  pid: number;
  /** Resident set size in bytes, from /proc. */
  rss(): Promise<number>;
  stop(): Promise<void>;
}

export interface EventyardOptions {
  log: LogChoice;
  /** YAML documents, from `triggerYaml` (the Broker is added). */
  resources?: string[];
  role?: 'all' | 'ingress' | 'dispatcher';
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Topic template; a unique one per process keeps runs on a shared Kafka apart. */
  topicPrefix: string;
}

/** Stands for the namespace, which startEventyard makes unique per process (see there). */
const NAMESPACE = '{{namespace}}';

export const BROKER_YAML = `apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: { name: bench, namespace: ${NAMESPACE} }\n`;

export function triggerYaml(name: string, filter: string, subscriber: string, delivery = ''): string {
  return `apiVersion: eventyard.dev/v1\nkind: Trigger\nmetadata: { name: ${name}, namespace: ${NAMESPACE} }\nspec:\n  broker: bench\n  ${filter}\n  subscriber: { uri: "${subscriber}" }\n${delivery}`;
}

export async function startEventyard(options: EventyardOptions): Promise<Eventyard> {
  const dir = await mkdtemp(join(tmpdir(), 'eventyard-bench-'));
  // The dispatcher's consumer group is named after the broker: a namespace of its own keeps this
  // process out of the groups of every other benchmark process on the same Kafka (a joining
  // member would make them all rebalance, and a stale one would hold the rebalance up).
  const namespace = `bench-${randomBytes(4).toString('hex')}`;
  const text = [BROKER_YAML, ...(options.resources ?? [])].join('---\n').replaceAll(NAMESPACE, namespace);
  await writeFile(join(dir, 'resources.yaml'), text);
  const args = [
    ...(options.nodeFlags ?? []),
    MAIN,
    'start',
    '--config',
    dir,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--log-level',
    'info',
    '--role',
    options.role ?? 'all',
    '--topic-template',
    `${options.topicPrefix}-{namespace}-{name}`,
  ];
  const env: NodeJS.ProcessEnv = { KAFKA_BROKERS: '', EVENTYARD_KAFKA_CLIENT: '' };
  if (options.log.kind === 'kafka') {
    args.push('--kafka', options.log.brokers);
    env.EVENTYARD_KAFKA_CLIENT = options.log.client;
  } else {
    args.push('--data-dir', join(dir, 'data'));
  }
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(args, env);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const pid = server.child.pid!;
  return {
    url: server.url,
    ingress: `${server.url}/${namespace}/bench`,
    pid,
    rss: () => rssOf(pid),
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}
