import { DNS_LABEL_PATTERN, DURATION_MESSAGE, ISO_DURATION_PATTERN, type JsonSchema } from '@eventyard/core';
import { Ajv, type ErrorObject } from 'ajv';

/** One thing wrong with a document: the JSON pointer of the field and the reason. */
export interface FieldProblem {
  path: string;
  message: string;
}

// One instance for every source schema; `allErrors` so one pass names every problem. Messages are
// ours (see `describe`), as for Brokers and Triggers.
const ajv = new Ajv({
  allErrors: true,
  strict: true,
  strictRequired: false,
  strictTypes: false,
  messages: false,
  code: { optimize: false },
});

const PATTERN_MESSAGES: Record<string, string> = {
  [DNS_LABEL_PATTERN]:
    'must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit',
  [ISO_DURATION_PATTERN]: DURATION_MESSAGE,
};

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function schemaAt(schema: JsonSchema, pointer: string): unknown {
  let node: unknown = schema;
  for (const token of pointer.replace(/^#/, '').split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[token.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return node;
}

function describe(error: ErrorObject, schema: JsonSchema): FieldProblem {
  const path = error.instancePath;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(error.params.additionalProperty);
      const parent = error.schemaPath.slice(0, error.schemaPath.lastIndexOf('/'));
      const known = Object.keys((schemaAt(schema, `${parent}/properties`) as object | undefined) ?? {});
      return {
        path: `${path}/${escapePointerToken(field)}`,
        message:
          known.length > 0
            ? `unknown field "${field}"; expected one of: ${known.join(', ')}`
            : `unknown field "${field}"`,
      };
    }
    case 'required':
      return {
        path: `${path}/${escapePointerToken(String(error.params.missingProperty))}`,
        message: 'is required',
      };
    case 'type':
      return {
        path,
        message: `must be ${TYPE_NAMES[String(error.params.type)] ?? String(error.params.type)}`,
      };
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
    case 'minLength':
      return { path, message: 'must not be empty' };
    default:
      return { path, message: `is invalid (${error.keyword})` };
  }
}

/** Compiles `schema` once; the returned function lists every problem of a document (none: valid). */
export function compileSchema(schema: JsonSchema): (document: unknown) => FieldProblem[] {
  const validate = ajv.compile(schema);
  return (document) => {
    if (validate(document)) return [];
    return (validate.errors ?? []).map((error) => describe(error, schema));
  };
}

/** Schema pieces shared by the source kinds. */
export const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };
export const duration: JsonSchema = { type: 'string', pattern: ISO_DURATION_PATTERN };
export const objectMeta: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: DNS_LABEL_PATTERN },
    namespace: { type: 'string', pattern: DNS_LABEL_PATTERN },
    labels: stringMap,
    annotations: stringMap,
    uid: { type: 'string' },
    generation: { type: 'integer' },
    resourceVersion: { type: 'string' },
    creationTimestamp: { type: 'string' },
  },
  additionalProperties: false,
};
export const sinkDelivery: JsonSchema = {
  type: 'object',
  properties: {
    retry: { type: 'integer', minimum: 0 },
    backoffPolicy: { type: 'string', enum: ['linear', 'exponential'] },
    backoffDelay: duration,
    timeout: duration,
    retryAfterMax: duration,
  },
  additionalProperties: false,
};
