import { parseFlags } from '../config.ts';
import { EXIT_OK, UsageError } from '../errors.ts';
import type { DeadLetterView, TriggerStatusView } from '../operator-api.ts';
import { OPERATOR_PREFIX } from '../operator-api.ts';

export const TRIGGERS_USAGE = `Usage: eventyard triggers [--url http://localhost:8080]

Prints every trigger of a running broker with its readiness, reason and subscriber.
`;

export const DLQ_USAGE = `Usage: eventyard dlq list --broker NAMESPACE/NAME [--url http://localhost:8080] [--limit 100]
       eventyard dlq redrive --broker NAMESPACE/NAME [--trigger NAMESPACE/NAME] [--again] [--url http://localhost:8080]

list     the events of a broker that could not be delivered nor given to a dead-letter sink, with the
         trigger, the attempts, the last status and why.
redrive  gives every dead letter not redriven yet back to the trigger that gave up on it (or only
         those of --trigger), which delivers it again with its whole retry policy. A dead letter is
         redriven once, whether by broker or by trigger, across restarts; --again redrives those
         redriven before too.
`;

const URL_FLAG = { url: { type: 'string', short: 'u', env: 'EVENTYARD_URL' } } as const;

async function getJson<T>(base: string, path: string): Promise<T> {
  const response = await fetch(new URL(path, base));
  const body = (await response.json().catch(() => ({}))) as T & { message?: string };
  if (!response.ok)
    throw new Error(`${response.status} from ${base}: ${body.message ?? response.statusText}`);
  return body;
}

async function postJson<T>(base: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const parsed = (await response.json().catch(() => ({}))) as T & { message?: string };
  if (!response.ok)
    throw new Error(`${response.status} from ${base}: ${parsed.message ?? response.statusText}`);
  return parsed;
}

/** Formats rows as aligned columns, like kubectl get. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('   '))
    .join('\n');
}

export async function triggersCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
): Promise<number> {
  const flags = parseFlags(argv, URL_FLAG, env);
  const base = flags.url ?? 'http://localhost:8080';
  const { triggers } = await getJson<{ triggers: TriggerStatusView[] }>(base, `${OPERATOR_PREFIX}/triggers`);
  const rows = [['NAMESPACE', 'NAME', 'BROKER', 'READY', 'REASON', 'SUBSCRIBER']];
  for (const t of triggers) {
    rows.push([
      t.namespace,
      t.name,
      t.broker,
      t.ready ? 'True' : 'False',
      t.reason ?? '',
      t.subscriberUri ?? t.message ?? '',
    ]);
  }
  out(table(rows));
  return EXIT_OK;
}

export async function dlqCommand(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb !== 'list' && verb !== 'redrive') {
    throw new UsageError(verb ? `unknown dlq verb "${verb}"` : 'give a verb: dlq list or dlq redrive');
  }
  const flags = parseFlags(
    rest,
    {
      ...URL_FLAG,
      broker: { type: 'string', short: 'b' },
      limit: { type: 'string' },
      trigger: { type: 'string' },
      again: { type: 'boolean' },
    },
    env,
  );
  const broker = flags.broker;
  if (!broker || !/^[^/]+\/[^/]+$/.test(broker)) throw new UsageError('--broker NAMESPACE/NAME is required');
  const [namespace, name] = broker.split('/') as [string, string];
  const base = flags.url ?? 'http://localhost:8080';
  const brokerPath = `${OPERATOR_PREFIX}/namespaces/${encodeURIComponent(namespace)}/brokers/${encodeURIComponent(name)}`;
  if (verb === 'redrive') {
    if (flags.trigger !== undefined && !/^[^/]+\/[^/]+$/.test(flags.trigger)) {
      throw new UsageError('--trigger must be NAMESPACE/NAME');
    }
    const result = await postJson<{ redriven: number; skipped: number }>(
      base,
      `${brokerPath}/deadletters/redrive`,
      {
        ...(flags.trigger === undefined ? {} : { trigger: flags.trigger }),
        ...(flags.again === true ? { again: true } : {}),
      },
    );
    const left = result.skipped
      ? `; ${result.skipped} left (other or deleted triggers, or not CloudEvents)`
      : '';
    out(`redriven ${result.redriven} dead letter(s) of broker ${broker}${left}`);
    return EXIT_OK;
  }
  const { deadLetters } = await getJson<{ deadLetters: DeadLetterView[] }>(
    base,
    `${brokerPath}/deadletters?limit=${Number(flags.limit ?? 100)}`,
  );
  if (deadLetters.length === 0) {
    out(`no dead letters on broker ${broker}`);
    return EXIT_OK;
  }
  const rows = [['TIME', 'ID', 'TYPE', 'TRIGGER', 'ATTEMPTS', 'CODE', 'REASON']];
  for (const d of deadLetters) {
    rows.push([
      new Date(d.timestamp).toISOString(),
      String(d.event?.id ?? ''),
      String(d.event?.type ?? ''),
      d.trigger ?? '',
      d.attempts === undefined ? '' : String(d.attempts),
      d.code === undefined ? '' : String(d.code),
      d.reason ?? '',
    ]);
  }
  out(table(rows));
  return EXIT_OK;
}
