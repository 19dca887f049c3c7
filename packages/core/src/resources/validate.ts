import type { ErrorObject, ValidateFunction } from 'ajv';
import {
  describeSchemaError,
  escapePointerToken,
  type FieldProblem,
  readPointer,
  schemaAjv,
} from '../schema-errors.ts';
import { DURATION_MESSAGE, ISO_DURATION_PATTERN, parseIsoDuration } from './duration.ts';
import {
  brokerSchema,
  EVENTYARD_BROKER_FIELDS,
  FILTER_DIALECTS,
  type JsonSchema,
  triggerSchema,
} from './schema.ts';
import { type Broker, KNATIVE_API_VERSION, type Trigger } from './types.ts';

export type { FieldProblem };

export interface ValidationResult {
  /** The resource with defaults applied (namespace "default", `status` dropped); undefined when invalid. */
  resource: Broker | Trigger | undefined;
  problems: FieldProblem[];
}

export const DEFAULT_NAMESPACE = 'default';

const validators: Record<'Broker' | 'Trigger', { schema: JsonSchema; validate: ValidateFunction }> = {
  Broker: { schema: brokerSchema, validate: schemaAjv.compile(brokerSchema) },
  Trigger: { schema: triggerSchema, validate: schemaAjv.compile(triggerSchema) },
};

/** A `filters[]` object, at any depth the schema unrolls. */
const FILTER_NODE =
  /^#\/properties\/spec\/properties\/filters\/items(?:\/properties\/(?:all\/items|any\/items|not))*$/;
const DURATION_SHAPE = new RegExp(ISO_DURATION_PATTERN);
const DIALECT_LIST = `${FILTER_DIALECTS.slice(0, -1).join(', ')} or ${FILTER_DIALECTS.at(-1)}`;

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
      if (isFilter) {
        return { path: fieldPath, message: `unknown filter dialect "${field}"; use one of ${DIALECT_LIST}` };
      }
      const known = Object.keys(
        (readPointer(schema, `${parentSchemaPath}/properties`) as object | undefined) ?? {},
      );
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
      const value = readPointer(document, path);
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
    default:
      return describeSchemaError(error, document, schema);
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
