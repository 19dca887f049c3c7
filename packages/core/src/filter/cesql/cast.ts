import type { CesqlError, CesqlErrorKind, CesqlValue } from './types.ts';

/*
 * CESQL v1 §3.7 type casting, and the §3.3 error list that evaluation appends to. Casts never
 * throw: a failing cast appends a CastError and yields the target type's zero value (§3.1).
 */

/** What one evaluation reads and where its errors go; reused from event to event. */
export interface Scope {
  attributes: Record<string, string>;
  readonly errors: CesqlError[];
}

export function report(scope: Scope, kind: CesqlErrorKind, message: string, offset: number): void {
  scope.errors.push({ kind, message, offset });
}

export type PrimitiveType = 'string' | 'integer' | 'boolean';

export function typeOf(value: CesqlValue): PrimitiveType {
  return typeof value === 'string' ? 'string' : typeof value === 'number' ? 'integer' : 'boolean';
}

const INTEGER = /^[+-]?[0-9]+$/;

/** §3.7 String -> Integer: base 10, optional sign, 32 bits; otherwise 0 and a CastError. */
export function toInteger(value: CesqlValue, scope: Scope, offset: number): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (INTEGER.test(value)) {
    const n = Number(value);
    if (n >= -2147483648 && n <= 2147483647) return n === 0 ? 0 : n;
  }
  report(scope, 'cast', `cannot cast '${short(value)}' to an integer`, offset);
  return 0;
}

/**
 * §3.7 String -> Boolean (`true`/`false` in any case), and Integer -> Boolean (0 is false) for the
 * explicit BOOL(). An implicit Integer -> Boolean cast (`NOT 10`, `1 AND TRUE`) is a CastError
 * yielding false, as the conformance suite (cesql_tck not_operator.yaml) and the reference
 * engines have it.
 */
export function toBoolean(value: CesqlValue, scope: Scope, offset: number, explicit = false): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    report(scope, 'cast', `cannot cast '${short(value)}' to a boolean`, offset);
    return false;
  }
  if (explicit) return value !== 0;
  report(scope, 'cast', `cannot cast the integer ${value} to a boolean implicitly; use BOOL()`, offset);
  return false;
}

/** §3.7 Integer -> String (base 10) and Boolean -> String (`true`/`false`): never fails. */
export function toText(value: CesqlValue): string {
  return typeof value === 'string' ? value : String(value);
}

export function castTo(value: CesqlValue, type: PrimitiveType, scope: Scope, offset: number): CesqlValue {
  switch (type) {
    case 'string':
      return toText(value);
    case 'integer':
      return toInteger(value, scope, offset);
    case 'boolean':
      return toBoolean(value, scope, offset);
  }
}

/** §3.1 zero values. */
export function zeroOf(type: PrimitiveType): CesqlValue {
  return type === 'string' ? '' : type === 'integer' ? 0 : false;
}

/** A value shortened for an error message, so a huge attribute cannot flood a status line. */
export function short(value: string): string {
  return value.length > 60 ? `${value.slice(0, 60)}...` : value;
}
