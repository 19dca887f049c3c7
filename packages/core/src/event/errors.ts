import { EventyardError } from '../errors.ts';
import type { AttributeOrigin } from './types.ts';

/** Longest attribute value quoted back in an error message. */
const SHOWN_VALUE_MAX = 64;

/** Quote a value for an error message, shortened so a huge header cannot bloat the response. */
export function show(value: string): string {
  return JSON.stringify(value.length > SHOWN_VALUE_MAX ? `${value.slice(0, SHOWN_VALUE_MAX)}...` : value);
}

/** Where attribute `name` was written, in the sender's terms. */
function where(name: string, origin: AttributeOrigin | undefined): string {
  if (origin === undefined) return '';
  switch (origin.mode) {
    case 'binary':
      // HTTP binding §3.1.1: datacontenttype travels as Content-Type, not as a ce- header.
      return name === 'datacontenttype' ? ' (header content-type)' : ` (header ce-${name} in binary mode)`;
    case 'kafka':
      // Kafka binding §3.2.3.1 maps datacontenttype to the content-type header likewise.
      return name === 'datacontenttype' ? ' (record header content-type)' : ` (record header ce_${name})`;
    case 'structured':
      return origin.path === undefined
        ? ` (member "${name}" of the JSON event)`
        : ` (at ${origin.path}.${name})`;
  }
}

/** An EY_INVALID_EVENT error (400) about one attribute, naming it and where it was sent. */
export function attributeError(
  problem: string,
  attribute: string,
  origin: AttributeOrigin | undefined,
  cause?: unknown,
): EventyardError {
  const details: Record<string, unknown> = { attribute };
  if (origin?.path !== undefined) details.path = `${origin.path}.${attribute}`;
  if (origin?.index !== undefined) details.index = origin.index;
  return new EventyardError('EY_INVALID_EVENT', `${problem}${where(attribute, origin)}`, {
    status: 400,
    details,
    cause,
  });
}

/** An EY_INVALID_EVENT error (400) about the message as a whole (not JSON, not an object, empty batch). */
export function messageError(
  problem: string,
  details?: Record<string, unknown>,
  cause?: unknown,
): EventyardError {
  return new EventyardError('EY_INVALID_EVENT', problem, { status: 400, details, cause });
}

/** Short JSON type name for messages: "array", "null", "object", "number", ... */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
