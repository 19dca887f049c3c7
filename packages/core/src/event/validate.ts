import type { EventyardError } from '../errors.ts';
import { attributeError, show } from './errors.ts';
import type { AttributeOrigin } from './types.ts';

/** CloudEvents 1.0.2 §"Attribute Naming Convention": lower-case ASCII letters and digits only. */
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;

/** RFC 3339 §5.6 date-time: full date, "T", time with optional fraction, and a zone (Z or ±hh:mm). */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True for a valid attribute name. `data` is refused too: the JSON format reserves that member. */
export function isAttributeName(name: string): boolean {
  return ATTRIBUTE_NAME.test(name) && name !== 'data';
}

/** An error for a name that breaks the naming convention. */
export function invalidNameError(name: string, origin: AttributeOrigin | undefined): EventyardError {
  const problem =
    name === 'data'
      ? 'attribute name "data" is reserved for the event payload'
      : `invalid attribute name ${show(name)}: names use only lower-case letters a-z and digits 0-9`;
  return attributeError(problem, name, origin);
}

/** RFC 3339 date-time with the calendar checked (month, day of month, leap years, 60 for a leap second). */
export function isRfc3339(value: string): boolean {
  const match = RFC3339.exec(value);
  if (match === null) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) return false;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return false;
  if (Number(match[4]) > 23 || Number(match[5]) > 59 || Number(match[6]) > 60) return false;
  return match[7] === undefined || (Number(match[7]) <= 23 && Number(match[8]) <= 59);
}

/**
 * CloudEvents 1.0.2 §"Type System" (String): no control characters U+0000-U+001F or U+007F-U+009F,
 * and no unpaired surrogates.
 */
function hasForbiddenCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return !value.isWellFormed();
}

function requireNonEmpty(
  attrs: Record<string, string>,
  name: string,
  origin: AttributeOrigin | undefined,
): void {
  const value = attrs[name];
  if (value === undefined) throw attributeError(`missing required attribute "${name}"`, name, origin);
  if (value === '') throw attributeError(`attribute "${name}" must not be empty`, name, origin);
}

/**
 * CloudEvents 0.3 → 1.0: `schemaurl` became `dataschema`. (`datacontentencoding` concerns the data
 * and is resolved by the decoders, which hold it.)
 */
function upgradeFrom03(attrs: Record<string, string>): void {
  attrs.specversion = '1.0';
  const schemaUrl = attrs.schemaurl;
  if (schemaUrl !== undefined) {
    if (attrs.dataschema === undefined) attrs.dataschema = schemaUrl;
    delete attrs.schemaurl;
  }
}

/**
 * Validate context attributes against CloudEvents 1.0.2 and return the same object. A 0.3 event is
 * upgraded in place to 1.0. Throws EY_INVALID_EVENT (status 400) naming the attribute, and where it
 * was sent when `origin` says so.
 */
export function validateAttributes(
  attrs: Record<string, string>,
  origin?: AttributeOrigin,
): Record<string, string> {
  return checkAttributes(attrs, origin, true);
}

/** As `validateAttributes`; decoders that checked names while reading pass `checkNames` false. */
export function checkAttributes(
  attrs: Record<string, string>,
  origin: AttributeOrigin | undefined,
  checkNames: boolean,
): Record<string, string> {
  const specversion = attrs.specversion;
  if (specversion === undefined)
    throw attributeError('missing required attribute "specversion"', 'specversion', origin);
  if (specversion !== '1.0') {
    if (specversion !== '0.3') {
      throw attributeError(
        `unsupported specversion ${show(String(specversion))}: expected "1.0" (or "0.3", read as 1.0)`,
        'specversion',
        origin,
      );
    }
    upgradeFrom03(attrs);
  }
  requireNonEmpty(attrs, 'id', origin);
  requireNonEmpty(attrs, 'source', origin);
  requireNonEmpty(attrs, 'type', origin);

  for (const name in attrs) {
    if (checkNames && !isAttributeName(name)) throw invalidNameError(name, origin);
    const value = attrs[name];
    if (typeof value !== 'string') throw attributeError(`attribute "${name}" must be a string`, name, origin);
    if (hasForbiddenCharacter(value)) {
      throw attributeError(
        `attribute "${name}" contains a control character or an invalid code point`,
        name,
        origin,
      );
    }
    switch (name) {
      case 'time':
        if (!isRfc3339(value)) {
          throw attributeError(
            `attribute "time" must be an RFC 3339 timestamp such as 2024-05-01T12:00:00Z, got ${show(value)}`,
            name,
            origin,
          );
        }
        break;
      // URI-reference / URI (RFC 3986) and a media type: only emptiness is refused, as Knative does;
      // stricter parsing would turn away events every other CloudEvents receiver accepts.
      case 'dataschema':
      case 'subject':
      case 'datacontenttype':
        if (value === '')
          throw attributeError(`attribute "${name}" must not be empty when present`, name, origin);
        break;
    }
  }
  return attrs;
}
