import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { DURATION_MESSAGE, ISO_DURATION_PATTERN, parseIsoDuration } from './duration.ts';
import {
  brokerSchema,
  DNS_LABEL_PATTERN,
  EVENTYARD_BROKER_FIELDS,
  FILTER_DIALECTS,
  type JsonSchema,
  KAFKA_TOPIC_PATTERN,
  triggerSchema,
} from './schema.ts';
import { type Broker, KNATIVE_API_VERSION, type Trigger } from './types.ts';

/** One thing wrong with a document: the JSON pointer of the field and the reason. */
export interface FieldProblem {
  path: string;
  message: string;
}

export interface ValidationResult {
  /** The resource with defaults applied (namespace "default", `status` dropped); undefined when invalid. */
  resource: Broker | Trigger | undefined;
  problems: FieldProblem[];
}

export const DEFAULT_NAMESPACE = 'default';

// Compiled once, when the module loads; `allErrors` so one pass names every problem. Messages are
// ours (see `describe`) and validation runs only when resources load, so ajv skips generating its
// messages and optimising the code, which makes loading this module faster.
const ajv = new Ajv({
  allErrors: true,
  strict: true,
  strictRequired: false,
  strictTypes: false,
  messages: false,
  code: { optimize: false },
});
const validators: Record<'Broker' | 'Trigger', { schema: JsonSchema; validate: ValidateFunction }> = {
  Broker: { schema: brokerSchema, validate: ajv.compile(brokerSchema) },
  Trigger: { schema: triggerSchema, validate: ajv.compile(triggerSchema) },
};

const PATTERN_MESSAGES: Record<string, string> = {
  [DNS_LABEL_PATTERN]:
    'must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
  [ISO_DURATION_PATTERN]: DURATION_MESSAGE,
  [KAFKA_TOPIC_PATTERN]: 'must be a Kafka topic name: at most 249 letters, digits, ".", "_" and "-"',
};

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

/** A `filters[]` object, at any depth the schema unrolls. */
const FILTER_NODE =
  /^#\/properties\/spec\/properties\/filters\/items(?:\/properties\/(?:all\/items|any\/items|not))*$/;
const DURATION_SHAPE = new RegExp(ISO_DURATION_PATTERN);
const DIALECT_LIST = `${FILTER_DIALECTS.slice(0, -1).join(', ')} or ${FILTER_DIALECTS.at(-1)}`;

function unescapePointerToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Reads a JSON pointer (`/a/0/b`, or a schema path `#/a/b`) out of a value. */
function at(root: unknown, pointer: string): unknown {
  const tokens = pointer.replace(/^#/, '').split('/').slice(1);
  let node: unknown = root;
  for (const token of tokens) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[unescapePointerToken(token)];
  }
  return node;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Kubernetes prunes `null` fields that are not nullable (none of ours are); so do we. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== null) out[key] = withoutNulls(item);
  }
  return out;
}

function dialectsIn(value: Record<string, unknown>): string[] {
  return FILTER_DIALECTS.filter((dialect) => Object.hasOwn(value, dialect));
}

/** Turns one ajv error into a path and a sentence, or undefined when another error says it better. */
function describe(error: ErrorObject, document: unknown, schema: JsonSchema): FieldProblem | undefined {
  const path = error.instancePath;
  const parentSchemaPath = error.schemaPath.slice(0, error.schemaPath.lastIndexOf('/'));
  const isFilter = FILTER_NODE.test(parentSchemaPath);
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(error.params.additionalProperty);
      const fieldPath = `${path}/${escapePointerToken(field)}`;
      // Knative's CloudEvents SQL dialect: `cesql` today, `sql` before Knative 1.15.
      if (isFilter && (field === 'cesql' || field === 'sql')) {
        return {
          path: fieldPath,
          message: `the CloudEvents SQL dialect (${field}) is not supported; write the expression with cel`,
        };
      }
      if (isFilter) {
        return { path: fieldPath, message: `unknown filter dialect "${field}"; use one of ${DIALECT_LIST}` };
      }
      const known = Object.keys((at(schema, `${parentSchemaPath}/properties`) as object | undefined) ?? {});
      return {
        path: fieldPath,
        message:
          known.length > 0
            ? `unknown field "${field}"; expected one of: ${known.join(', ')}`
            : `unknown field "${field}"`,
      };
    }
    case 'oneOf': {
      if (!isFilter) return { path, message: `is invalid (${error.keyword})` };
      const value = at(document, path);
      // Not an object: the type error says so.
      if (!isObject(value)) return undefined;
      const dialects = dialectsIn(value);
      if (dialects.length === 0) {
        // An object holding only unknown keys (sql, say) is already reported key by key.
        return Object.keys(value).length > 0
          ? undefined
          : { path, message: `must have exactly one filter dialect: ${DIALECT_LIST}` };
      }
      return {
        path,
        message: `has ${dialects.length} filter dialects (${dialects.join(', ')}); a filter object takes exactly one (Knative would silently apply only the first): give each its own filters entry, or combine them with all`,
      };
    }
    case 'required': {
      // The oneOf branches of a filter only say which dialect is missing; the oneOf error says it better.
      if (error.schemaPath.includes('/oneOf/')) return undefined;
      return {
        path: `${path}/${escapePointerToken(String(error.params.missingProperty))}`,
        message: 'is required',
      };
    }
    case 'type': {
      const expected = String(error.params.type);
      const value = at(document, path);
      const hint =
        expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')
          ? ' (quote the value)'
          : '';
      return { path, message: `must be ${TYPE_NAMES[expected] ?? expected}${hint}` };
    }
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).map(String);
      return {
        path,
        message:
          allowed.length === 1
            ? `must be ${allowed[0]}`
            : `must be ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`,
      };
    }
    case 'pattern':
      return {
        path,
        message: PATTERN_MESSAGES[String(error.params.pattern)] ?? `must match ${error.params.pattern}`,
      };
    case 'minimum':
      return { path, message: `must be at least ${error.params.limit}` };
    default:
      return { path, message: `is invalid (${error.keyword})` };
  }
}

/** Knative's Destination rules (knative.dev/pkg apis/duck/v1 destination.go ValidateDestination). */
function checkDestination(value: unknown, path: string, problems: FieldProblem[]): void {
  if (!isObject(value)) return;
  const { ref, uri } = value;
  if (ref === undefined && uri === undefined) {
    problems.push({ path, message: 'needs a ref or a uri' });
    return;
  }
  if (typeof uri !== 'string') return;
  const absolute = URL.canParse(uri);
  if (ref !== undefined && absolute) {
    problems.push({
      path: `${path}/uri`,
      message:
        "must be a relative URI (such as /events) when ref is set: it is resolved against the ref's address",
    });
  } else if (ref === undefined && (!absolute || new URL(uri).host === '')) {
    problems.push({
      path: `${path}/uri`,
      message: 'must be an absolute URL such as http://host/path when there is no ref',
    });
  }
}

/** What the pattern admits but is still no duration (`P`, `PT`), and zero timeouts (Knative rejects them). */
function checkDelivery(value: unknown, path: string, problems: FieldProblem[]): void {
  if (!isObject(value)) return;
  checkDestination(value.deadLetterSink, `${path}/deadLetterSink`, problems);
  for (const field of ['backoffDelay', 'timeout', 'retryAfterMax'] as const) {
    const text = value[field];
    if (typeof text !== 'string' || !DURATION_SHAPE.test(text)) continue;
    let ms: number;
    try {
      ms = parseIsoDuration(text);
    } catch {
      problems.push({ path: `${path}/${field}`, message: DURATION_MESSAGE });
      continue;
    }
    if (field === 'timeout' && ms === 0) {
      problems.push({ path: `${path}/${field}`, message: 'must be longer than zero' });
    }
  }
}

function checkSemantics(document: Record<string, unknown>, problems: FieldProblem[]): void {
  const spec = document.spec;
  if (!isObject(spec)) return;
  if (document.kind === 'Broker' && document.apiVersion === KNATIVE_API_VERSION) {
    for (const field of EVENTYARD_BROKER_FIELDS) {
      if (field in spec) {
        problems.push({
          path: `/spec/${field}`,
          message: `is an eventyard.dev/v1 field; set apiVersion: eventyard.dev/v1 to use it (${KNATIVE_API_VERSION} Brokers cannot)`,
        });
      }
    }
  }
  if (document.kind === 'Trigger') checkDestination(spec.subscriber, '/spec/subscriber', problems);
  checkDelivery(spec.delivery, '/spec/delivery', problems);
}

/**
 * Validates one `Broker` or `Trigger` document (already parsed from YAML/JSON) against the schema
 * and Knative's admission rules, and returns it with defaults applied.
 */
export function validateResource(input: Record<string, unknown>): ValidationResult {
  const kind = input.kind === 'Trigger' ? 'Trigger' : 'Broker';
  const document = withoutNulls(input) as Record<string, unknown>;
  const { schema, validate } = validators[kind];
  const problems: FieldProblem[] = [];
  if (!validate(document)) {
    for (const error of validate.errors ?? []) {
      const problem = describe(error, document, schema);
      if (problem !== undefined) problems.push(problem);
    }
  }
  checkSemantics(document, problems);
  const seen = new Set<string>();
  const unique = problems.filter((problem) => {
    const key = `${problem.path}\n${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (unique.length > 0) return { resource: undefined, problems: unique };

  const { status: _status, ...resource } = document;
  const metadata = resource.metadata as Record<string, unknown>;
  resource.metadata = { ...metadata, namespace: metadata.namespace ?? DEFAULT_NAMESPACE };
  if (kind === 'Broker' && resource.spec === undefined) resource.spec = {};
  return { resource: resource as unknown as Broker | Trigger, problems: [] };
}
