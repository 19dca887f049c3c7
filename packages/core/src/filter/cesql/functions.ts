import { type PrimitiveType, report, type Scope, toBoolean, toInteger, toText } from './cast.ts';
import type { CesqlValue } from './types.ts';

/*
 * CESQL v1 §3.5 built-in functions. Arguments arrive already cast to the parameter types
 * (§3.7: a function is never ambiguous, so every argument is cast to its parameter's type);
 * `any` parameters are passed as they are (the casting functions and IS_BOOL / IS_INT, which
 * the reference engines provide). A function that fails still returns a value of its type
 * and appends a FunctionEvaluationError or MathError (§3.5.3).
 */

export type ParameterType = PrimitiveType | 'any';

export interface CesqlFunction {
  readonly name: string;
  /** The fixed parameters. */
  readonly parameters: readonly ParameterType[];
  /** The type of any further arguments, for a variadic function (§3.5). */
  readonly rest?: ParameterType;
  readonly returns: PrimitiveType;
  /** `args` belongs to the caller and is reused: read it, never keep it. */
  call(args: readonly CesqlValue[], scope: Scope, offset: number): CesqlValue;
}

/** Characters as §3.5.1 counts them: Unicode code points, not UTF-16 units. */
function hasSurrogates(text: string): boolean {
  return /[\uD800-\uDFFF]/.test(text);
}

function characters(text: string): string[] {
  return Array.from(text);
}

function length(text: string): number {
  return hasSurrogates(text) ? characters(text).length : text.length;
}

/** Characters [start, end) of `text`, counted as code points. */
function slice(text: string, start: number, end?: number): string {
  return hasSurrogates(text) ? characters(text).slice(start, end).join('') : text.slice(start, end);
}

/** §3.5.1 TRIM: Unicode White_Space only (not control characters, not U+FEFF). */
const WHITESPACE_EDGES = /^\p{White_Space}+|\p{White_Space}+$/gu;

const INT_MIN = -2147483648;

function fn(
  name: string,
  parameters: readonly ParameterType[],
  returns: PrimitiveType,
  call: CesqlFunction['call'],
  rest?: ParameterType,
): CesqlFunction {
  return rest === undefined ? { name, parameters, returns, call } : { name, parameters, rest, returns, call };
}

/** The §3.5 table, and the casting functions of §3.7, by upper-cased name and arity. */
const BUILTINS: readonly CesqlFunction[] = [
  fn('LENGTH', ['string'], 'integer', ([x]) => length(x as string)),
  fn('CONCAT', [], 'string', (args) => args.join(''), 'string'),
  fn('CONCAT_WS', ['string'], 'string', ([delimiter, ...rest]) => rest.join(delimiter as string), 'string'),
  fn('LOWER', ['string'], 'string', ([x]) => (x as string).toLowerCase()),
  fn('UPPER', ['string'], 'string', ([x]) => (x as string).toUpperCase()),
  fn('TRIM', ['string'], 'string', ([x]) => (x as string).replace(WHITESPACE_EDGES, '')),
  fn('LEFT', ['string', 'integer'], 'string', ([x, y], scope, offset) => {
    const text = x as string;
    const n = y as number;
    if (n < 0) {
      report(scope, 'functionEvaluation', `LEFT: the length ${n} is negative`, offset);
      return text;
    }
    return slice(text, 0, n);
  }),
  fn('RIGHT', ['string', 'integer'], 'string', ([x, y], scope, offset) => {
    const text = x as string;
    const n = y as number;
    if (n < 0) {
      report(scope, 'functionEvaluation', `RIGHT: the length ${n} is negative`, offset);
      return text;
    }
    const size = length(text);
    return n >= size ? text : slice(text, size - n);
  }),
  fn('SUBSTRING', ['string', 'integer'], 'string', ([x, pos], scope, offset) =>
    substring(x as string, pos as number, undefined, scope, offset),
  ),
  fn('SUBSTRING', ['string', 'integer', 'integer'], 'string', ([x, pos, len], scope, offset) =>
    substring(x as string, pos as number, len as number, scope, offset),
  ),
  fn('ABS', ['integer'], 'integer', ([x], scope, offset) => {
    const n = x as number;
    if (n === INT_MIN) {
      report(scope, 'math', 'ABS(-2147483648) overflows 32 bits', offset);
      return 2147483647;
    }
    return n < 0 ? -n : n;
  }),
  // §3.7 explicit casts.
  fn('INT', ['any'], 'integer', ([x], scope, offset) => toInteger(x as CesqlValue, scope, offset)),
  fn('BOOL', ['any'], 'boolean', ([x], scope, offset) => toBoolean(x as CesqlValue, scope, offset, true)),
  fn('STRING', ['any'], 'string', ([x]) => toText(x as CesqlValue)),
  // Whether the explicit cast would succeed.
  fn('IS_BOOL', ['any'], 'boolean', ([x]) => {
    if (typeof x !== 'string') return typeof x === 'boolean';
    const lower = x.toLowerCase();
    return lower === 'true' || lower === 'false';
  }),
  fn('IS_INT', ['any'], 'boolean', ([x]) => {
    if (typeof x !== 'string') return typeof x === 'number';
    if (!/^[+-]?[0-9]+$/.test(x)) return false;
    const n = Number(x);
    return n >= INT_MIN && n <= 2147483647;
  }),
];

/** §3.5.1 SUBSTRING, 1-based; a negative `pos` counts from the end. */
function substring(text: string, pos: number, len: number | undefined, scope: Scope, offset: number): string {
  const size = length(text);
  if (pos > size || pos < -size) {
    report(
      scope,
      'functionEvaluation',
      `SUBSTRING: position ${pos} is outside a string of ${size} characters`,
      offset,
    );
    return '';
  }
  if (len !== undefined && len < 0) {
    report(scope, 'functionEvaluation', `SUBSTRING: the length ${len} is negative`, offset);
    return '';
  }
  if (pos === 0) return '';
  const start = pos > 0 ? pos - 1 : size + pos;
  return slice(text, start, len === undefined ? undefined : start + len);
}

const BY_NAME = new Map<string, CesqlFunction[]>();
for (const definition of BUILTINS) {
  const list = BY_NAME.get(definition.name) ?? [];
  list.push(definition);
  BY_NAME.set(definition.name, list);
}

/**
 * The overload of `name` taking `arity` arguments (§3.5: a fixed arity first, then a variadic
 * definition whose fixed parameters are no more than `arity`), or undefined (a MissingFunctionError).
 */
export function resolveFunction(name: string, arity: number): CesqlFunction | undefined {
  const overloads = BY_NAME.get(name);
  if (overloads === undefined) return undefined;
  const fixed = overloads.find(
    (candidate) => candidate.rest === undefined && candidate.parameters.length === arity,
  );
  if (fixed !== undefined) return fixed;
  return overloads.find((candidate) => candidate.rest !== undefined && candidate.parameters.length <= arity);
}

export function isFunctionName(name: string): boolean {
  return BY_NAME.has(name);
}
