import { Ajv, type ErrorObject } from 'ajv';
import { DURATION_MESSAGE, ISO_DURATION_PATTERN } from './resources/duration.ts';
import { DNS_LABEL_PATTERN, type JsonSchema, KAFKA_TOPIC_PATTERN } from './resources/schema.ts';

/** One thing wrong with a document: the JSON pointer of the field and the reason, in plain words. */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * The ajv every resource schema (Brokers, Triggers, sources) is compiled with: `allErrors` so one
 * pass names every problem; ajv's own messages are skipped because `describeSchemaError` writes
 * ours, and its code is not optimised because validation only runs when resources load.
 */
export const schemaAjv = new Ajv({
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

export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Reads a JSON pointer (`/a/0/b`, or a schema path `#/a/b`) out of a value. */
export function readPointer(root: unknown, pointer: string): unknown {
  let node: unknown = root;
  for (const token of pointer.replace(/^#/, '').split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[token.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return node;
}

/** Turns one ajv error into a path and a sentence a person can act on. */
export function describeSchemaError(error: ErrorObject, document: unknown, schema: JsonSchema): FieldProblem {
  const path = error.instancePath;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(error.params.additionalProperty);
      const parent = error.schemaPath.slice(0, error.schemaPath.lastIndexOf('/'));
      const known = Object.keys((readPointer(schema, `${parent}/properties`) as object | undefined) ?? {});
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
    case 'type': {
      const expected = String(error.params.type);
      const value = readPointer(document, path);
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
    case 'minLength':
      return { path, message: 'must not be empty' };
    default:
      return { path, message: `is invalid (${error.keyword})` };
  }
}
