import {
  type CelProgram,
  type CloudEvent,
  celErrorSummary,
  EventyardError,
  validateAttributes,
} from '@eventyard/core';
import type { WebhookRequest, WebhookSourceConfig } from '../types.ts';

const REQUIRED = new Set(['type', 'source', 'id']);
const encoder = new TextEncoder();

function mappingError(attribute: string, program: CelProgram, reason: string): EventyardError {
  return new EventyardError(
    'EY_MAPPING_FAILED',
    `cannot map ${attribute}: ${reason} (expression: ${program.expression})`,
    { status: 400, details: { attribute } },
  );
}

/** A CEL value as a CloudEvents attribute's canonical string (CloudEvents 1.0.2 "Type System"). */
function attributeText(attribute: string, program: CelProgram, value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'bigint':
    case 'number':
    case 'boolean':
      return String(value);
    case 'undefined':
      return undefined;
    default:
      if (value === null) return undefined;
      if (value instanceof Date) return value.toISOString();
      throw mappingError(
        attribute,
        program,
        `evaluated to ${Array.isArray(value) ? 'a list' : 'a map or other value'}; an attribute needs a string`,
      );
  }
}

/** JSON for CEL values: ints (BigInt) as numbers when exact, else as strings; timestamps as RFC 3339. */
function celJson(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

/**
 * Maps one webhook request to a CloudEvent with its source's compiled expressions. `type` is
 * required; `source` defaults to the WebhookSource's own path, `id` to a fresh UUID and `time` to
 * now. Data is the request body as it came, or the `data` expression's value as JSON. Throws
 * EY_MAPPING_FAILED (400) naming the attribute, or EY_INVALID_EVENT when the result is no valid event.
 */
export function mapWebhook(
  source: WebhookSourceConfig,
  request: WebhookRequest,
  raw: Uint8Array,
  now: number,
  newId: () => string,
): CloudEvent {
  const attributes: Record<string, string> = { specversion: '1.0' };
  const variables = request as unknown as Record<string, unknown>;
  for (const [name, program] of source.mapping.attributes) {
    let value: unknown;
    try {
      value = program.evaluate(variables);
    } catch (error) {
      throw mappingError(name, program, celErrorSummary(error));
    }
    const text = attributeText(name, program, value);
    if (text === undefined) {
      if (REQUIRED.has(name)) throw mappingError(name, program, 'evaluated to null');
      continue;
    }
    if (text === '' && REQUIRED.has(name)) throw mappingError(name, program, 'evaluated to an empty string');
    attributes[name] = text;
  }
  attributes.source ??= source.defaultSource;
  attributes.id ??= newId();
  attributes.time ??= new Date(now).toISOString();

  let data: Uint8Array | undefined;
  const dataProgram = source.mapping.data;
  if (dataProgram !== undefined) {
    let value: unknown;
    try {
      value = dataProgram.evaluate(variables);
    } catch (error) {
      throw mappingError('data', dataProgram, celErrorSummary(error));
    }
    if (value !== null && value !== undefined) {
      data = encoder.encode(JSON.stringify(value, celJson));
      attributes.datacontenttype = 'application/json';
    }
  } else if (raw.byteLength > 0) {
    data = raw;
    attributes.datacontenttype = request.headers['content-type'] ?? 'application/octet-stream';
  }
  validateAttributes(attributes);
  return { attributes, data };
}
