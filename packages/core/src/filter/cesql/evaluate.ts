import {
  castTo,
  type PrimitiveType,
  report,
  type Scope,
  toBoolean,
  toInteger,
  toText,
  typeOf,
  zeroOf,
} from './cast.ts';
import { type CesqlFunction, resolveFunction } from './functions.ts';
import { compileLike } from './like.ts';
import type { CesqlError, CesqlNode, CesqlType, CesqlValue } from './types.ts';

/*
 * Compiles a parsed CESQL v1 expression into closures once, so an event costs only the closure
 * calls (no tree walk, no per-event allocation unless an error is reported).
 *
 * Errors (§3.3) are appended to the scope's list and never thrown. A subexpression whose operand
 * reported an error yields its own zero value (§3.2: `1 / missing` is 0, not a MathError;
 * cesql_tck binary_logical_operators: `true AND (1 != 1 / 0)` is false), while an operator's own
 * cast or math error keeps the value computed with the cast's zero value (`NOT 10` is true with a
 * CastError, `5 / 0` is 0 with a MathError).
 */

export type Closure = (scope: Scope) => CesqlValue;

export interface CompiledExpression {
  readonly run: Closure;
  /** The static result type: `any` for a bare attribute. */
  readonly type: CesqlType;
  /** Errors known before any event is seen (a call to a function that does not exist). */
  readonly staticErrors: readonly CesqlError[];
}

interface Compiled {
  run: Closure;
  type: CesqlType;
}

function attribute(name: string, offset: number): Closure {
  // Attribute values are strings (CloudEvent.attributes); `typeof` also keeps Object.prototype
  // members such as `constructor` out.
  return (scope) => {
    const value = scope.attributes[name];
    if (typeof value === 'string') return value;
    report(scope, 'missingAttribute', `the event has no attribute '${name}'`, offset);
    return false;
  };
}

/** §3.4.2 `=`: the right operand's type is the target of the implicit cast (§3.7 rule 2.2). */
function equals(left: CesqlValue, right: CesqlValue, scope: Scope, offset: number): boolean {
  if (typeof left === typeof right) return left === right;
  return castTo(left, typeOf(right), scope, offset) === right;
}

class ExpressionCompiler {
  readonly staticErrors: CesqlError[] = [];

  compile(node: CesqlNode): Compiled {
    switch (node.kind) {
      case 'literal': {
        const value = node.value;
        return { run: () => value, type: typeOf(value) };
      }
      case 'attribute':
        return { run: attribute(node.name, node.offset), type: 'any' };
      case 'exists': {
        // §3.4.4: true for the required attributes of a valid event, which every event has.
        const name = node.name;
        return { run: (scope) => typeof scope.attributes[name] === 'string', type: 'boolean' };
      }
      case 'not': {
        const operand = this.compile(node.operand).run;
        const offset = node.offset;
        return {
          run: (scope) => {
            const before = scope.errors.length;
            const value = operand(scope);
            if (scope.errors.length !== before) return false;
            return !toBoolean(value, scope, offset);
          },
          type: 'boolean',
        };
      }
      case 'negate': {
        const operand = this.compile(node.operand).run;
        const offset = node.offset;
        return {
          run: (scope) => {
            const before = scope.errors.length;
            const value = operand(scope);
            if (scope.errors.length !== before) return 0;
            return -toInteger(value, scope, offset) | 0;
          },
          type: 'integer',
        };
      }
      case 'binary':
        return this.#binary(node);
      case 'like': {
        const value = this.compile(node.value).run;
        const matches = compileLike(node.pattern);
        const negated = node.negated;
        return {
          run: (scope) => {
            const before = scope.errors.length;
            const text = value(scope);
            if (scope.errors.length !== before) return false;
            return matches(toText(text)) !== negated;
          },
          type: 'boolean',
        };
      }
      case 'in':
        return this.#in(node);
      case 'call':
        return this.#call(node);
    }
  }

  #binary(node: Extract<CesqlNode, { kind: 'binary' }>): Compiled {
    const left = this.compile(node.left).run;
    const right = this.compile(node.right).run;
    const offset = node.offset;
    const operator = node.operator;
    switch (operator) {
      case 'AND':
      case 'OR': {
        // §3.4.2: short-circuit evaluation.
        const stopAt = operator === 'OR';
        return {
          run: (scope) => {
            const before = scope.errors.length;
            const l = left(scope);
            if (scope.errors.length !== before) return false;
            const lb = toBoolean(l, scope, offset);
            if (lb === stopAt) return lb;
            const middle = scope.errors.length;
            const r = right(scope);
            if (scope.errors.length !== middle) return false;
            return toBoolean(r, scope, offset);
          },
          type: 'boolean',
        };
      }
      case 'XOR':
        return {
          run: (scope) => {
            const before = scope.errors.length;
            const l = left(scope);
            const r = right(scope);
            if (scope.errors.length !== before) return false;
            return toBoolean(l, scope, offset) !== toBoolean(r, scope, offset);
          },
          type: 'boolean',
        };
      case '=':
      case '!=':
      case '<>': {
        const negated = operator !== '=';
        return {
          run: (scope) => {
            const before = scope.errors.length;
            const l = left(scope);
            const r = right(scope);
            if (scope.errors.length !== before) return false;
            return equals(l, r, scope, offset) !== negated;
          },
          type: 'boolean',
        };
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const compare =
          operator === '<'
            ? (a: number, b: number) => a < b
            : operator === '<='
              ? (a: number, b: number) => a <= b
              : operator === '>'
                ? (a: number, b: number) => a > b
                : (a: number, b: number) => a >= b;
        return {
          run: (scope) => {
            const before = scope.errors.length;
            const l = left(scope);
            const r = right(scope);
            if (scope.errors.length !== before) return false;
            return compare(toInteger(l, scope, offset), toInteger(r, scope, offset));
          },
          type: 'boolean',
        };
      }
      default: {
        const arithmetic = arithmeticOf(operator);
        return {
          run: (scope) => {
            const before = scope.errors.length;
            const l = left(scope);
            const r = right(scope);
            if (scope.errors.length !== before) return 0;
            return arithmetic(toInteger(l, scope, offset), toInteger(r, scope, offset), scope, offset);
          },
          type: 'integer',
        };
      }
    }
  }

  /** §3.4.5: the left operand's type is the target type of the set's elements. */
  #in(node: Extract<CesqlNode, { kind: 'in' }>): Compiled {
    const value = this.compile(node.value).run;
    const negated = node.negated;
    const offset = node.offset;
    const elements = node.set.map((element) => this.compile(element).run);
    // A set of literals is hashed once for string operands (every literal casts to a string).
    const literals = node.set.every((element) => element.kind === 'literal')
      ? new Set(node.set.map((element) => toText((element as { value: CesqlValue }).value)))
      : undefined;
    return {
      run: (scope) => {
        const before = scope.errors.length;
        const x = value(scope);
        if (scope.errors.length !== before) return false;
        if (literals !== undefined && typeof x === 'string') return literals.has(x) !== negated;
        const target: PrimitiveType = typeOf(x);
        let found = false;
        for (const element of elements) {
          const at = scope.errors.length;
          const y = element(scope);
          if (scope.errors.length !== at) return false;
          if (castTo(y, target, scope, offset) === x) found = true;
        }
        return found !== negated;
      },
      type: 'boolean',
    };
  }

  #call(node: Extract<CesqlNode, { kind: 'call' }>): Compiled {
    const definition = resolveFunction(node.name, node.args.length);
    const offset = node.offset;
    if (definition === undefined) {
      // §3.5: a call that cannot be dispatched is false with a MissingFunctionError.
      const message = `no function ${node.name} taking ${node.args.length} argument${node.args.length === 1 ? '' : 's'}`;
      this.staticErrors.push({ kind: 'missingFunction', message, offset });
      for (const arg of node.args) this.compile(arg);
      return {
        run: (scope) => {
          report(scope, 'missingFunction', message, offset);
          return false;
        },
        type: 'boolean',
      };
    }
    const args = node.args.map((arg) => this.compile(arg).run);
    const types = node.args.map((_, i) => definition.parameters[i] ?? definition.rest ?? 'any');
    return { run: callOf(definition, args, types, offset), type: definition.returns };
  }
}

function callOf(
  definition: CesqlFunction,
  args: readonly Closure[],
  types: readonly (PrimitiveType | 'any')[],
  offset: number,
): Closure {
  const zero = zeroOf(definition.returns);
  // Reused for every call at this site: calls are synchronous and a site never re-enters itself.
  const values: CesqlValue[] = new Array(args.length).fill(false);
  return (scope) => {
    const before = scope.errors.length;
    for (let i = 0; i < args.length; i++) values[i] = (args[i] as Closure)(scope);
    if (scope.errors.length !== before) return zero;
    for (let i = 0; i < args.length; i++) {
      const type = types[i] as PrimitiveType | 'any';
      if (type !== 'any') values[i] = castTo(values[i] as CesqlValue, type, scope, offset);
    }
    return definition.call(values, scope, offset);
  };
}

type Arithmetic = (a: number, b: number, scope: Scope, offset: number) => number;

/** §3.4.2 integer arithmetic in 32 bits (wrapping, as the reference engines' int32). */
function arithmeticOf(operator: '+' | '-' | '*' | '/' | '%'): Arithmetic {
  switch (operator) {
    case '+':
      return (a, b) => (a + b) | 0;
    case '-':
      return (a, b) => (a - b) | 0;
    case '*':
      return (a, b) => Math.imul(a, b);
    case '/':
      return (a, b, scope, offset) => {
        if (b === 0) {
          report(scope, 'math', 'division by zero', offset);
          return 0;
        }
        return Math.trunc(a / b) | 0;
      };
    case '%':
      return (a, b, scope, offset) => {
        if (b === 0) {
          report(scope, 'math', 'modulo by zero', offset);
          return 0;
        }
        return (a % b) | 0;
      };
  }
}

/** Compile a parsed expression into closures (see the top of this file). */
export function compileExpression(node: CesqlNode): CompiledExpression {
  const compiler = new ExpressionCompiler();
  const { run, type } = compiler.compile(node);
  return { run, type, staticErrors: compiler.staticErrors };
}

/** The result of one evaluation: the value (the zero value after an error) and the error list. */
export interface Evaluation {
  readonly value: CesqlValue;
  readonly errors: readonly CesqlError[];
}

/** Evaluate once against `attributes` (complete evaluation mode, §4.1); allocates a scope. */
export function evaluateExpression(
  expression: CompiledExpression,
  attributes: Record<string, string>,
): Evaluation {
  const scope: Scope = { attributes, errors: [] };
  const value = expression.run(scope);
  return { value, errors: scope.errors };
}
