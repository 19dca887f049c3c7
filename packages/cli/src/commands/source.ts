import {
  createOpsApp,
  createWebhookApp,
  DEFAULT_WEBHOOK_MAX_BODY,
  type FieldProblem,
  formatSourceProblem,
  loadPingSources,
  loadWebhookSources,
  type PingSourceConfig,
  pingSourceFromFlags,
  type SourceProblem,
  startPingSources,
} from '@eventyard/sources';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { CliIo } from '../cli.ts';
import { type LogLevel, parseFlags, parsePort, parseSize } from '../config.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';
import { createLogger } from '../logger.ts';

export const SOURCE_USAGE = `Usage: eventyard source webhook --config PATH... [options]
       eventyard source ping (--config PATH... | --sink URL [--schedule CRON] [--data TEXT]) [options]

Event sources that POST CloudEvents to a broker (any CloudEvents sink URL).

webhook  receives plain webhooks (CRMs such as Salesforce, HubSpot, Zendesk) and publishes them as
         CloudEvents, as each WebhookSource (apiVersion sources.eventyard.dev/v1) in the files says:
         CEL mapping of type/source/subject/id/extensions over the body and headers, optional HMAC
         signature check, id deduplication, retries to the broker. 202 = the broker has the event.
ping     sends a fixed event (type dev.knative.sources.ping) on a cron schedule, like Knative's
         PingSource; Knative PingSource YAML (sources.knative.dev/v1) is accepted unchanged.

Options (environment variable in brackets):
  -c, --config PATH        source YAML/JSON file or folder; repeatable; other kinds are skipped [EVENTYARD_SOURCE_CONFIG]
  -p, --port N             HTTP port (webhook default 8090; ping serves /metrics only when given) [EVENTYARD_SOURCE_PORT]
      --host ADDR          address to listen on (default 0.0.0.0)                  [EVENTYARD_SOURCE_HOST]
      --max-body SIZE      webhook: largest request body (default 1mb)            [EVENTYARD_SOURCE_MAX_BODY]
      --log-level LEVEL    fatal|error|warn|info|debug|trace|silent (default info) [EVENTYARD_LOG_LEVEL]
ping without --config:
      --sink URL           where to send the events, e.g. http://localhost:8080/default/default
      --schedule CRON      5 fields, or 6 with seconds first (default "* * * * *": every minute)
      --timezone TZ        tz database name for the schedule (default: the system's)
      --data TEXT          the payload (JSON is sent as application/json)
      --data-base64 B64    a binary payload, base64-encoded
      --content-type TYPE  datacontenttype of the payload
      --name NAME          the source's name (default ping), in
      --namespace NS       its namespace (default default): ce-source /apis/v1/namespaces/NS/pingsources/NAME
      --extension K=V      an extension attribute on every event; repeatable
      --once               send one event per source now, print the outcome and exit
`;

const COMMON = {
  config: { type: 'string', multiple: true, short: 'c', env: 'EVENTYARD_SOURCE_CONFIG' },
  port: { type: 'string', short: 'p', env: 'EVENTYARD_SOURCE_PORT' },
  host: { type: 'string', env: 'EVENTYARD_SOURCE_HOST' },
  'log-level': { type: 'string', env: 'EVENTYARD_LOG_LEVEL' },
} as const;

const WEBHOOK_OPTIONS = {
  ...COMMON,
  'max-body': { type: 'string', env: 'EVENTYARD_SOURCE_MAX_BODY' },
} as const;

const PING_OPTIONS = {
  ...COMMON,
  sink: { type: 'string' },
  schedule: { type: 'string' },
  timezone: { type: 'string' },
  data: { type: 'string' },
  'data-base64': { type: 'string' },
  'content-type': { type: 'string' },
  name: { type: 'string' },
  namespace: { type: 'string' },
  extension: { type: 'string', multiple: true },
  once: { type: 'boolean' },
} as const;

/** Which flag set a /spec field, so problems with a flag-built PingSource name the flag. */
const PING_FLAG_OF: Record<string, string> = {
  '/spec/schedule': '--schedule',
  '/spec/timezone': '--timezone',
  '/spec/data': '--data',
  '/spec/dataBase64': '--data-base64',
  '/spec/contentType': '--content-type',
  '/spec/sink/uri': '--sink',
  '/spec/sink': '--sink',
  '/metadata/name': '--name',
  '/metadata/namespace': '--namespace',
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(value: string | undefined): LogLevel {
  const level = value ?? 'info';
  if (!LOG_LEVELS.includes(level))
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  return level as LogLevel;
}

function reportProblems(problems: readonly SourceProblem[], io: CliIo): number {
  for (const problem of problems) io.err(formatSourceProblem(problem));
  io.err(`${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing started`);
  return EXIT_FAILURE;
}

async function listen(
  app: FastifyInstance,
  port: number,
  host: string,
): Promise<{ url: string; port: number }> {
  await app.listen({ port, host });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`, port: bound };
}

/** Resolves on SIGTERM or SIGINT, after `stop` finished. */
function untilSignal(logger: Logger, stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      stop().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}

async function webhookCommand(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, WEBHOOK_OPTIONS, io.env);
  const paths = flags.config ?? [];
  if (paths.length === 0)
    throw new UsageError('--config PATH is required: a file or folder with WebhookSources');
  const port = parsePort(flags.port ?? '8090');
  const host = flags.host ?? '0.0.0.0';
  const maxBodyBytes = flags['max-body']
    ? parseSize(flags['max-body'], '--max-body')
    : DEFAULT_WEBHOOK_MAX_BODY;
  const level = logLevel(flags['log-level']);

  const { sources, problems } = await loadWebhookSources(paths, io.env);
  if (problems.length > 0) return reportProblems(problems, io);

  const logger = createLogger(level).child({ component: 'webhook-source' });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const webhook = createWebhookApp({
    sources,
    registry,
    logger: logger as FastifyBaseLogger,
    maxBodyBytes,
  });
  const address = await listen(webhook.app, port, host);
  logger.info(
    {
      ...address,
      sources: sources.map((s) => ({ source: `${s.namespace}/${s.name}`, path: s.path, sink: s.sink })),
    },
    'listening',
  );
  await untilSignal(logger, () => webhook.close());
  logger.info('stopped');
  return EXIT_OK;
}

function pingFromFlags(
  flags: ReturnType<typeof parseFlags<typeof PING_OPTIONS>>,
  io: CliIo,
): PingSourceConfig {
  if (!flags.sink) throw new UsageError('give --config PATH, or --sink URL for a single ping source');
  const extensions: Record<string, string> = {};
  for (const extension of flags.extension ?? []) {
    const eq = extension.indexOf('=');
    if (eq <= 0) throw new UsageError(`--extension must be NAME=VALUE, got "${extension}"`);
    extensions[extension.slice(0, eq)] = extension.slice(eq + 1);
  }
  const { source, problems } = pingSourceFromFlags({
    sink: flags.sink,
    ...(flags.schedule !== undefined ? { schedule: flags.schedule } : {}),
    ...(flags.timezone !== undefined ? { timezone: flags.timezone } : {}),
    ...(flags.data !== undefined ? { data: flags.data } : {}),
    ...(flags['data-base64'] !== undefined ? { dataBase64: flags['data-base64'] } : {}),
    ...(flags['content-type'] !== undefined ? { contentType: flags['content-type'] } : {}),
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    extensions,
  });
  if (!source) {
    const first = problems[0] as FieldProblem;
    const where = (path: string) =>
      PING_FLAG_OF[path] ?? (path.startsWith('/spec/ceOverrides') ? '--extension' : path);
    for (const problem of problems.slice(1)) io.err(`${where(problem.path)}: ${problem.message}`);
    throw new UsageError(`${where(first.path)}: ${first.message}`);
  }
  return source;
}

async function pingCommand(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, PING_OPTIONS, io.env);
  const paths = flags.config ?? [];
  const level = logLevel(flags['log-level']);
  let sources: PingSourceConfig[];
  if (paths.length > 0) {
    if (flags.sink !== undefined || flags.schedule !== undefined || flags.data !== undefined) {
      throw new UsageError('give either --config or --sink/--schedule/--data, not both');
    }
    const loaded = await loadPingSources(paths);
    if (loaded.problems.length > 0) return reportProblems(loaded.problems, io);
    sources = loaded.sources;
  } else {
    sources = [pingFromFlags(flags, io)];
  }

  const logger = createLogger(level).child({ component: 'ping-source' });
  const registry = new Registry();
  if (flags.once) {
    const once = startPingSources({ sources, registry, logger, paused: true });
    let failed = 0;
    for (const source of sources) {
      const result = await once.fire(source.namespace, source.name);
      const label = `${source.namespace}/${source.name}`;
      if (result.ok) io.out(`${label}: ${result.status} from ${source.sink}`);
      else {
        failed++;
        const status = result.status === undefined ? '' : `${result.status} `;
        io.out(
          `${label}: not delivered to ${source.sink} after ${result.attempts} attempts: ${status}${result.message}`,
        );
      }
    }
    await once.stop();
    return failed === 0 ? EXIT_OK : EXIT_FAILURE;
  }

  collectDefaultMetrics({ register: registry });
  const pings = startPingSources({ sources, registry, logger });
  let app: FastifyInstance | undefined;
  let address: { url: string; port: number } | undefined;
  if (flags.port !== undefined) {
    app = createOpsApp(registry, logger as FastifyBaseLogger);
    address = await listen(app, parsePort(flags.port), flags.host ?? '0.0.0.0');
  }
  const next = pings.nextRuns();
  logger.info(
    {
      ...(address ?? {}),
      sources: sources.map((s) => ({
        source: `${s.namespace}/${s.name}`,
        schedule: s.schedule,
        sink: s.sink,
        next: next.get(`${s.namespace}/${s.name}`)?.toISOString(),
      })),
    },
    address ? 'listening' : 'scheduled',
  );
  await untilSignal(logger, async () => {
    await pings.stop();
    await app?.close();
  });
  logger.info('stopped');
  return EXIT_OK;
}

/** `eventyard source webhook|ping ...`: runs until SIGTERM or SIGINT (or, with ping --once, one round). */
export async function sourceCommand(argv: string[], io: CliIo): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === 'webhook') return webhookCommand(rest, io);
  if (kind === 'ping') return pingCommand(rest, io);
  throw new UsageError(
    kind ? `unknown source "${kind}": use webhook or ping` : 'give a source: webhook or ping',
  );
}
