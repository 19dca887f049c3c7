import { isAttributeName, isJsonContentType, resolveDestination } from '@eventyard/core';
import { Cron } from 'croner';
import { readSourceDocuments } from '../load.ts';
import { PING_DELIVERY } from '../sink/delivery.ts';
import {
  KNATIVE_SOURCES_API_VERSION,
  type PingSourceConfig,
  type PingSourceResource,
  type SourceProblem,
} from '../types.ts';
import { compileSchema, type FieldProblem } from '../validation.ts';
import { pingSourceSchema } from './schema.ts';

/** Knative's default schedule (PingSource defaulting): every minute. */
export const DEFAULT_SCHEDULE = '* * * * *';
const validate = compileSchema(pingSourceSchema);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Cron options shared by validation and scheduling: 5 fields, or 6 with seconds first. */
export const CRON_MODE = '5-or-6-parts' as const;

function checkSchedule(schedule: string, timezone: string | undefined, problems: FieldProblem[]): void {
  if (timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      problems.push({
        path: '/spec/timezone',
        message: `unknown time zone "${timezone}": use a tz database name such as Europe/Berlin or UTC`,
      });
      return;
    }
  }
  try {
    new Cron(schedule, { paused: true, mode: CRON_MODE, ...(timezone ? { timezone } : {}) }).stop();
  } catch (error) {
    problems.push({
      path: '/spec/schedule',
      message: `"${schedule}" is not a cron schedule (5 fields, or 6 with seconds first): ${(error as Error).message}`,
    });
  }
}

/**
 * Validates one PingSource document (Knative's sources.knative.dev/v1 shape) and resolves it:
 * schedule and time zone checked, data decoded, the sink resolved. Problems name the JSON pointer.
 */
export function compilePingSource(document: Record<string, unknown>): {
  source: PingSourceConfig | undefined;
  problems: FieldProblem[];
} {
  const problems = validate(document);
  if (problems.length > 0) return { source: undefined, problems };
  const resource = document as unknown as PingSourceResource;
  const { spec } = resource;
  const namespace = resource.metadata.namespace ?? 'default';
  const schedule = spec.schedule ?? DEFAULT_SCHEDULE;
  checkSchedule(schedule, spec.timezone, problems);

  let sink = '';
  try {
    sink = resolveDestination(spec.sink, namespace);
  } catch (error) {
    const path = (error as { details?: { path?: string } }).details?.path ?? '';
    problems.push({ path: `/spec/sink${path}`, message: (error as Error).message });
  }

  // Knative PingSource validation: data and dataBase64 are exclusive, JSON data must parse.
  let data: Uint8Array | undefined;
  if (spec.data !== undefined && spec.dataBase64 !== undefined) {
    problems.push({
      path: '/spec/dataBase64',
      message: 'data and dataBase64 are mutually exclusive; give one',
    });
  } else if (spec.dataBase64 !== undefined && spec.dataBase64 !== '') {
    if (!BASE64.test(spec.dataBase64))
      problems.push({ path: '/spec/dataBase64', message: 'is not valid base64' });
    else data = Buffer.from(spec.dataBase64, 'base64');
  } else if (spec.data !== undefined && spec.data !== '') {
    if (spec.contentType !== undefined && isJsonContentType(spec.contentType)) {
      try {
        JSON.parse(spec.data);
      } catch (error) {
        problems.push({
          path: '/spec/data',
          message: `is not valid JSON, but contentType is ${spec.contentType}: ${(error as Error).message}`,
        });
      }
    }
    data = Buffer.from(spec.data, 'utf8');
  }

  const extensions: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.ceOverrides?.extensions ?? {})) {
    if (!isAttributeName(name)) {
      problems.push({
        path: `/spec/ceOverrides/extensions/${name}`,
        message: `"${name}" is not a CloudEvents attribute name: use lowercase letters a-z and digits 0-9 only`,
      });
    } else extensions[name] = value;
  }
  if (problems.length > 0) return { source: undefined, problems };
  return {
    source: {
      namespace,
      name: resource.metadata.name,
      sink,
      schedule,
      timezone: spec.timezone,
      contentType: spec.contentType === '' ? undefined : spec.contentType,
      data,
      extensions,
      delivery: PING_DELIVERY,
    },
    problems,
  };
}

/** Every PingSource in the files and folders at `paths`, or every problem found. */
export async function loadPingSources(
  paths: readonly string[],
): Promise<{ sources: PingSourceConfig[]; problems: SourceProblem[] }> {
  const { documents, problems } = await readSourceDocuments(paths, 'PingSource');
  const sources: PingSourceConfig[] = [];
  for (const doc of documents) {
    const result = compilePingSource(doc.value);
    for (const problem of result.problems) {
      problems.push({
        file: doc.file,
        document: doc.document,
        path: `${doc.prefix}${problem.path}`,
        message: problem.message,
      });
    }
    if (result.source) sources.push(result.source);
  }
  if (problems.length === 0 && sources.length === 0) {
    problems.push({
      file: paths.join(', '),
      document: 0,
      path: '',
      message: `no PingSource found (apiVersion: ${KNATIVE_SOURCES_API_VERSION}, kind: PingSource)`,
    });
  }
  return { sources, problems };
}

/** What `eventyard source ping` takes as flags instead of a file. */
export interface PingFlags {
  name?: string;
  namespace?: string;
  schedule?: string;
  timezone?: string;
  sink: string;
  data?: string;
  dataBase64?: string;
  contentType?: string;
  extensions?: Record<string, string>;
}

/** A PingSource document from flags, validated exactly as one from a file. */
export function pingSourceFromFlags(flags: PingFlags): {
  source: PingSourceConfig | undefined;
  problems: FieldProblem[];
} {
  const spec: Record<string, unknown> = { sink: { uri: flags.sink } };
  if (flags.schedule !== undefined) spec.schedule = flags.schedule;
  if (flags.timezone !== undefined) spec.timezone = flags.timezone;
  if (flags.data !== undefined) spec.data = flags.data;
  if (flags.dataBase64 !== undefined) spec.dataBase64 = flags.dataBase64;
  // As `kn source ping create --data`: JSON data is sent as application/json unless told otherwise.
  const contentType =
    flags.contentType ?? (flags.data !== undefined && isJson(flags.data) ? 'application/json' : undefined);
  if (contentType !== undefined) spec.contentType = contentType;
  if (flags.extensions && Object.keys(flags.extensions).length > 0)
    spec.ceOverrides = { extensions: flags.extensions };
  return compilePingSource({
    apiVersion: KNATIVE_SOURCES_API_VERSION,
    kind: 'PingSource',
    metadata: { name: flags.name ?? 'ping', namespace: flags.namespace ?? 'default' },
    spec,
  });
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
