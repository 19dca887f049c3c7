import { readFileSync } from 'node:fs';
import {
  type CelProgram,
  createCelCompiler,
  isAttributeName,
  isEventyardError,
  parseIsoDuration,
  resolveDestination,
} from '@eventyard/core';
import { readSourceDocuments } from '../load.ts';
import { resolveSinkDelivery, WEBHOOK_DELIVERY } from '../sink/delivery.ts';
import type {
  CompiledMapping,
  MappingSpec,
  SignatureCheck,
  SignatureSpec,
  SourceProblem,
  WebhookSourceConfig,
  WebhookSourceResource,
} from '../types.ts';
import { compileSchema, type FieldProblem } from '../validation.ts';
import { webhookSourceSchema } from './schema.ts';

/** The variables a mapping expression may read (see WebhookRequest). */
const compiler = createCelCompiler({
  body: 'dyn',
  headers: 'map',
  query: 'map',
  method: 'string',
  path: 'string',
});
const validate = compileSchema(webhookSourceSchema);

/** Attributes the mapping may not set as extensions: the context attributes and `data`. */
const RESERVED = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'dataschema',
  'datacontenttype',
  'data',
  'data_base64',
]);
/** Paths the source serves itself. */
const OPS_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
export const DEFAULT_DEDUP_WINDOW_MS = 10 * 60 * 1000;
export const DEFAULT_DEDUP_MAX_ENTRIES = 100_000;

function compileExpression(
  expression: string,
  path: string,
  problems: FieldProblem[],
): CelProgram | undefined {
  try {
    return compiler.compile(expression);
  } catch (error) {
    problems.push({ path, message: isEventyardError(error) ? error.message : String(error) });
    return undefined;
  }
}

function compileMapping(spec: MappingSpec, problems: FieldProblem[]): CompiledMapping {
  const attributes = new Map<string, CelProgram>();
  for (const name of ['type', 'source', 'id', 'subject', 'time', 'dataschema'] as const) {
    const text = spec[name];
    if (text === undefined) continue;
    const program = compileExpression(text, `/spec/mapping/${name}`, problems);
    if (program) attributes.set(name, program);
  }
  for (const [name, text] of Object.entries(spec.extensions ?? {})) {
    const path = `/spec/mapping/extensions/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (RESERVED.has(name)) {
      problems.push({
        path,
        message: `"${name}" is a CloudEvents attribute, not an extension; map it directly`,
      });
      continue;
    }
    if (!isAttributeName(name)) {
      problems.push({
        path,
        message: `"${name}" is not a CloudEvents attribute name: use lowercase letters a-z and digits 0-9 only (CloudEvents 1.0.2 "Attribute Naming Convention")`,
      });
      continue;
    }
    const program = compileExpression(text, path, problems);
    if (program) attributes.set(name, program);
  }
  const data =
    spec.data === undefined ? undefined : compileExpression(spec.data, '/spec/mapping/data', problems);
  return { attributes, data };
}

function resolveSignature(
  spec: SignatureSpec,
  env: NodeJS.ProcessEnv,
  problems: FieldProblem[],
): SignatureCheck | undefined {
  const given = (['secret', 'secretEnv', 'secretFile'] as const).filter((k) => spec[k] !== undefined);
  if (given.length !== 1) {
    problems.push({
      path: '/spec/signature',
      message:
        given.length === 0
          ? 'needs the shared secret: one of secret, secretEnv or secretFile'
          : `takes one of secret, secretEnv or secretFile, not ${given.join(' and ')}`,
    });
    return undefined;
  }
  let secret: string | undefined;
  if (spec.secret !== undefined) secret = spec.secret;
  else if (spec.secretEnv !== undefined) {
    secret = env[spec.secretEnv];
    if (secret === undefined || secret === '') {
      problems.push({
        path: '/spec/signature/secretEnv',
        message: `environment variable ${spec.secretEnv} is not set (it holds the webhook's shared secret)`,
      });
      return undefined;
    }
  } else if (spec.secretFile !== undefined) {
    try {
      secret = readFileSync(spec.secretFile, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      problems.push({
        path: '/spec/signature/secretFile',
        message: `cannot read ${spec.secretFile}: ${(error as Error).message}`,
      });
      return undefined;
    }
    if (secret === '') {
      problems.push({ path: '/spec/signature/secretFile', message: `${spec.secretFile} is empty` });
      return undefined;
    }
  }
  return {
    secret: Buffer.from(secret!, 'utf8'),
    header: spec.header.toLowerCase(),
    algorithm: spec.algorithm ?? 'sha256',
    prefix: spec.prefix ?? '',
    encoding: spec.encoding ?? 'hex',
  };
}

/**
 * Validates one WebhookSource document and compiles it: schema (unknown fields are errors), every
 * CEL expression compiled once, the sink resolved, the secret read. Problems name the JSON pointer.
 */
export function compileWebhookSource(
  document: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): { source: WebhookSourceConfig | undefined; problems: FieldProblem[] } {
  const problems = validate(document);
  if (problems.length > 0) return { source: undefined, problems };
  const resource = document as unknown as WebhookSourceResource;
  const { spec } = resource;
  const namespace = resource.metadata.namespace ?? 'default';
  const name = resource.metadata.name;

  let sink = '';
  try {
    sink = resolveDestination(spec.sink, namespace);
  } catch (error) {
    problems.push({ path: '/spec/sink/uri', message: (error as Error).message });
  }
  const path = spec.path ?? '/';
  if (!path.startsWith('/')) problems.push({ path: '/spec/path', message: 'must start with "/"' });
  else if (OPS_PATHS.has(path)) {
    problems.push({
      path: '/spec/path',
      message: `${path} is served by the source itself; choose another path`,
    });
  }
  const mapping = compileMapping(spec.mapping, problems);
  const signature = spec.signature ? resolveSignature(spec.signature, env, problems) : undefined;
  let dedupWindowMs = DEFAULT_DEDUP_WINDOW_MS;
  if (spec.dedup?.window !== undefined) {
    try {
      dedupWindowMs = parseIsoDuration(spec.dedup.window);
    } catch (error) {
      problems.push({ path: '/spec/dedup/window', message: (error as Error).message });
    }
  }
  if (spec.mapping.id === undefined && spec.dedup !== undefined) {
    problems.push({
      path: '/spec/dedup',
      message:
        'needs /spec/mapping/id: without it every event gets a new random id and nothing can be a duplicate',
    });
  }
  const delivery = resolveSinkDelivery(spec.delivery, WEBHOOK_DELIVERY, '/spec/delivery', problems);
  if (problems.length > 0) return { source: undefined, problems };
  return {
    source: {
      namespace,
      name,
      sink,
      path,
      mapping,
      defaultSource: `/apis/v1/namespaces/${namespace}/webhooksources/${name}`,
      signature,
      dedupWindowMs: spec.mapping.id === undefined ? 0 : dedupWindowMs,
      dedupMaxEntries: spec.dedup?.maxEntries ?? DEFAULT_DEDUP_MAX_ENTRIES,
      delivery,
    },
    problems,
  };
}

/**
 * Every WebhookSource in the files and folders at `paths`, compiled; or every problem found, each
 * naming its file, document and field. Two sources may not share a path.
 */
export async function loadWebhookSources(
  paths: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ sources: WebhookSourceConfig[]; problems: SourceProblem[] }> {
  const { documents, problems } = await readSourceDocuments(paths, 'WebhookSource');
  const sources: WebhookSourceConfig[] = [];
  const byPath = new Map<string, string>();
  for (const doc of documents) {
    const result = compileWebhookSource(doc.value, env);
    for (const problem of result.problems) {
      problems.push({
        file: doc.file,
        document: doc.document,
        path: `${doc.prefix}${problem.path}`,
        message: problem.message,
      });
    }
    const source = result.source;
    if (!source) continue;
    const other = byPath.get(source.path);
    if (other !== undefined) {
      problems.push({
        file: doc.file,
        document: doc.document,
        path: `${doc.prefix}/spec/path`,
        message: `${source.path} is already the path of WebhookSource ${other}; give each source its own path`,
      });
      continue;
    }
    byPath.set(source.path, `${source.namespace}/${source.name}`);
    sources.push(source);
  }
  if (problems.length === 0 && sources.length === 0) {
    problems.push({
      file: paths.join(', '),
      document: 0,
      path: '',
      message: `no WebhookSource found (apiVersion: sources.eventyard.dev/v1, kind: WebhookSource)`,
    });
  }
  return { sources, problems };
}
