import {
  DNS_LABEL_PATTERN,
  describeSchemaError,
  type FieldProblem,
  ISO_DURATION_PATTERN,
  type JsonSchema,
  schemaAjv,
} from '@eventyard/core';

export type { FieldProblem };

/** Compiles `schema` once; the returned function lists every problem of a document (none: valid). */
export function compileSchema(schema: JsonSchema): (document: unknown) => FieldProblem[] {
  const validate = schemaAjv.compile(schema);
  return (document) => {
    if (validate(document)) return [];
    return (validate.errors ?? []).map((error) => describeSchemaError(error, document, schema));
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
