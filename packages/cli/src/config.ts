import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

export type KafkaClient = 'kafkajs' | 'platformatic';
const KAFKA_CLIENTS: readonly KafkaClient[] = ['kafkajs', 'platformatic'];

export type Role = 'all' | 'ingress' | 'dispatcher';
const ROLES: readonly Role[] = ['all', 'ingress', 'dispatcher'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `auto`: human-readable lines on a terminal, JSON lines otherwise (a pipe, a file, a collector). */
export type LogFormat = 'auto' | 'json' | 'pretty';
const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];

/** `--log-format` / EVENTYARD_LOG_FORMAT, checked; absent is `auto`. */
export function parseLogFormat(value: string | undefined): LogFormat {
  const format = value ?? 'auto';
  if (!LOG_FORMATS.includes(format as LogFormat)) {
    throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got "${format}"`);
  }
  return format as LogFormat;
}

/** Everything `eventyard start` needs, validated once. */
export interface StartConfig {
  configPaths: string[];
  port: number;
  host: string;
  dataDir: string;
  role: Role;
  maxBodyBytes: number;
  /** Event types with their own ingress metric series per broker (the most frequent; the rest are `other`). */
  metricEventTypes: number;
  /** Longest time a client may take to send a whole request (408 after it). */
  requestTimeoutMs: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  kafkaBrokers: string[] | undefined;
  /** The Kafka client the log runs on (appends, consumer groups, topics and offsets). */
  kafkaClient: KafkaClient;
  topicTemplate: string | undefined;
  /** Kafka static membership: this process's stable name in its consumer groups. */
  instanceId: string | undefined;
  /** Resources come from the Kubernetes API (Broker and Trigger CRDs) instead of files. */
  kubernetes: boolean;
  /** Namespaces to watch in Kubernetes; empty = all. */
  namespaces: string[];
  kubeconfig: string | undefined;
  /** Base URL of the ingress, for a Broker's `status.address.url`. */
  ingressUrl: string | undefined;
  /** Serve Knative's Brokers whose `eventing.knative.dev/broker.class` is this name (and their Triggers). */
  knativeBrokerClass?: string;
}

/**
 * Each flag and the environment variable that sets it when the flag is absent (flags win), as
 * a container deployment sets them through env.
 */
const START_OPTIONS = {
  config: { type: 'string', multiple: true, short: 'c', env: 'EVENTYARD_CONFIG' },
  port: { type: 'string', short: 'p', env: 'EVENTYARD_PORT' },
  host: { type: 'string', env: 'EVENTYARD_HOST' },
  'data-dir': { type: 'string', env: 'EVENTYARD_DATA_DIR' },
  role: { type: 'string', env: 'EVENTYARD_ROLE' },
  'max-body': { type: 'string', env: 'EVENTYARD_MAX_BODY' },
  'metrics-event-types': { type: 'string', env: 'EVENTYARD_METRICS_EVENT_TYPES' },
  'request-timeout': { type: 'string', env: 'EVENTYARD_REQUEST_TIMEOUT' },
  'log-level': { type: 'string', env: 'EVENTYARD_LOG_LEVEL' },
  'log-format': { type: 'string', env: 'EVENTYARD_LOG_FORMAT' },
  kafka: { type: 'string', env: 'KAFKA_BROKERS' },
  'kafka-client': { type: 'string', env: 'EVENTYARD_KAFKA_CLIENT' },
  'topic-template': { type: 'string', env: 'EVENTYARD_TOPIC_TEMPLATE' },
  'instance-id': { type: 'string', env: 'EVENTYARD_INSTANCE_ID' },
  kubernetes: { type: 'boolean', env: 'EVENTYARD_KUBERNETES' },
  namespace: { type: 'string', multiple: true, env: 'EVENTYARD_NAMESPACES' },
  // client-node reads KUBECONFIG itself when the flag is absent.
  kubeconfig: { type: 'string' },
  'ingress-url': { type: 'string', env: 'EVENTYARD_INGRESS_URL' },
  'knative-broker-class': { type: 'string', env: 'EVENTYARD_KNATIVE_BROKER_CLASS' },
} as const;

export const START_USAGE = `Usage: eventyard start [options]

Runs the broker: ingress (POST /<namespace>/<broker>) and dispatcher, on the embedded log or Kafka.

Options (environment variable in brackets):
  -c, --config PATH        Broker/Trigger YAML file or folder; repeatable        [EVENTYARD_CONFIG, comma-separated]
  -p, --port N             HTTP port (default 8080)                              [EVENTYARD_PORT]
      --host ADDR          Address to listen on (default 0.0.0.0)                [EVENTYARD_HOST]
      --data-dir DIR       Embedded log directory (default .eventyard)           [EVENTYARD_DATA_DIR]
      --kafka BROKERS      Kafka bootstrap servers (host:port,...): use Kafka    [KAFKA_BROKERS]
      --kafka-client NAME  platformatic | kafkajs: the Kafka client (default platformatic) [EVENTYARD_KAFKA_CLIENT]
      --instance-id NAME   With --kafka: this process's stable name (a pod name), so a restart takes its partitions back at once [EVENTYARD_INSTANCE_ID]
      --role ROLE          all | ingress | dispatcher (default all)              [EVENTYARD_ROLE]
      --max-body SIZE      Largest request body, e.g. 512kb, 1mb (default 1mb)   [EVENTYARD_MAX_BODY]
      --metrics-event-types N  Event types with their own metric series per broker, the most frequent; the rest count as "other" (default 100) [EVENTYARD_METRICS_EVENT_TYPES]
      --request-timeout T  Longest time to receive a whole request, e.g. 500ms, 30s, 1m; 408 after it (default 30s) [EVENTYARD_REQUEST_TIMEOUT]
      --log-level LEVEL    fatal|error|warn|info|debug|trace|silent (default info) [EVENTYARD_LOG_LEVEL]
      --log-format F       json | pretty | auto: readable lines on a terminal, JSON lines otherwise (default auto) [EVENTYARD_LOG_FORMAT]
      --topic-template T   Topic name per broker (default eventyard-broker-{namespace}-{name}) [EVENTYARD_TOPIC_TEMPLATE]
      --kubernetes         Read Brokers and Triggers from the Kubernetes API instead of --config [EVENTYARD_KUBERNETES]
      --namespace NS       With --kubernetes: a namespace to watch; repeatable (default all) [EVENTYARD_NAMESPACES]
      --kubeconfig PATH    With --kubernetes: credentials (default $KUBECONFIG, ~/.kube/config, in-cluster)
      --ingress-url URL    With --kubernetes: base URL reported in Broker status.address.url [EVENTYARD_INGRESS_URL]
      --knative-broker-class NAME  With --kubernetes: also serve Knative's eventing.knative.dev Brokers annotated eventing.knative.dev/broker.class: NAME (e.g. Eventyard) and their Triggers, status included; other classes are left alone [EVENTYARD_KNATIVE_BROKER_CLASS]
`;

export function parseStartConfig(argv: string[], env: NodeJS.ProcessEnv): StartConfig {
  const values = parseFlags(argv, START_OPTIONS, env);
  const configPaths = values.config ?? [];
  const kubernetes = values.kubernetes === true;
  if (configPaths.length === 0 && !kubernetes) {
    throw new UsageError('no resources given: pass --config PATH (a YAML file or folder), or --kubernetes');
  }
  if (configPaths.length > 0 && kubernetes)
    throw new UsageError('--config and --kubernetes exclude each other');
  const role = values.role ?? 'all';
  if (!ROLES.includes(role as Role))
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${role}"`);
  const logLevel = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const kafka = values.kafka?.trim();
  const kafkaClient = values['kafka-client'] ?? 'platformatic';
  if (!KAFKA_CLIENTS.includes(kafkaClient as KafkaClient)) {
    throw new UsageError(`--kafka-client must be one of ${KAFKA_CLIENTS.join(', ')}, got "${kafkaClient}"`);
  }
  const knativeBrokerClass = values['knative-broker-class']?.trim() || undefined;
  if (knativeBrokerClass !== undefined && !kubernetes)
    throw new UsageError(
      '--knative-broker-class applies to Knative Brokers in a cluster: pass --kubernetes too',
    );
  const instanceId = values['instance-id']?.trim() || undefined;
  if (instanceId !== undefined) {
    if (!kafka) throw new UsageError('--instance-id applies to Kafka consumer groups: pass --kafka too');
    if (kafkaClient !== 'platformatic')
      throw new UsageError('--instance-id needs --kafka-client platformatic');
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(instanceId)) {
      throw new UsageError(`--instance-id is 1-249 letters, digits, '.', '_' or '-', got "${instanceId}"`);
    }
  }
  return {
    configPaths,
    port: parsePort(values.port ?? '8080'),
    host: values.host ?? '0.0.0.0',
    dataDir: values['data-dir'] ?? '.eventyard',
    role: role as Role,
    maxBodyBytes: parseSize(values['max-body'] ?? '1mb', '--max-body'),
    metricEventTypes: parseCount(values['metrics-event-types'] ?? '100', '--metrics-event-types', 10_000),
    requestTimeoutMs: parseDuration(values['request-timeout'] ?? '30s', '--request-timeout'),
    logLevel: logLevel as LogLevel,
    logFormat: parseLogFormat(values['log-format']),
    kafkaBrokers: kafka
      ? kafka
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean)
      : undefined,
    kafkaClient: kafkaClient as KafkaClient,
    topicTemplate: values['topic-template'],
    instanceId,
    kubernetes,
    namespaces: values.namespace ?? [],
    kubeconfig: values.kubeconfig,
    ingressUrl: values['ingress-url'],
    ...(knativeBrokerClass !== undefined ? { knativeBrokerClass } : {}),
  };
}

type FlagSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string; env?: string };
type FlagValues<T extends Record<string, FlagSpec>> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean'
    ? boolean
    : T[K]['multiple'] extends true
      ? string[]
      : string;
};

/**
 * Parses flags strictly (an unknown flag is an error, not ignored), then fills absent ones from
 * the environment. A multiple flag's variable is comma-separated.
 */
export function parseFlags<T extends Record<string, FlagSpec>>(
  argv: string[],
  specs: T,
  env: NodeJS.ProcessEnv = {},
  allowPositionals = false,
): FlagValues<T> & { positionals: string[] } {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = {
      type: spec.type,
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values: Record<string, unknown> = { ...parsed.values };
  for (const [name, spec] of Object.entries(specs)) {
    if (values[name] !== undefined || !spec.env) continue;
    const fromEnv = env[spec.env];
    if (fromEnv === undefined || fromEnv === '') continue;
    if (spec.type === 'boolean') values[name] = /^(1|true|yes)$/i.test(fromEnv);
    else if (spec.multiple)
      values[name] = fromEnv
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
    else values[name] = fromEnv;
  }
  return { ...(values as FlagValues<T>), positionals: parsed.positionals };
}

export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new UsageError(`--port must be a number from 0 to 65535, got "${text}"`);
  return port;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1024,
  kib: 1024,
  k: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  m: 1024 ** 2,
};

/** "1mb" → 1048576. Units are binary (1kb = 1024 bytes), as express and fastify read them. */
export function parseSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined)
    throw new UsageError(`${flag} must be a size such as 512kb or 1mb, got "${text}"`);
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < 1) throw new UsageError(`${flag} must be at least 1 byte, got "${text}"`);
  return bytes;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
/** Node keeps timers in a signed 32-bit millisecond count. */
const MAX_DURATION_MS = 2 ** 31 - 1;

/** "30s" → 30000, "500ms" → 500, "1.5m" → 90000: a positive duration with its unit. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/i.exec(text.trim());
  if (!match) throw new UsageError(`${flag} must be a duration such as 500ms, 30s or 1m, got "${text}"`);
  const ms = Math.round(Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]!);
  if (ms < 1 || ms > MAX_DURATION_MS) {
    throw new UsageError(`${flag} must be from 1ms to ${MAX_DURATION_MS}ms, got "${text}"`);
  }
  return ms;
}

/** A whole number from 0 to `max`, e.g. "100". */
export function parseCount(text: string, flag: string, max: number): number {
  const count = Number(text);
  if (!/^\d+$/.test(text.trim()) || count > max) {
    throw new UsageError(`${flag} must be a whole number from 0 to ${max}, got "${text}"`);
  }
  return count;
}
