import type { ASTNode } from '@marcbachmann/cel-js';
import type { FilterInput } from './types.ts';

/*
 * The common shapes of trigger expressions, compiled to plain JavaScript closures when the trigger
 * loads, so matching an event does not go through the cel-js interpreter (a context object per
 * call, overload lookups by runtime type). cel-js stays the reference: a closure gives exactly the
 * result cel-js would give, and where that is not certain for the values at hand it returns DEFER
 * and the caller evaluates the expression with cel-js instead. An expression with any other shape
 * is not compiled at all. test/filter/cel-closure.test.ts checks both against each other.
 *
 * Covered: string, int, double, bool and null literals (a leading `-` folded in); `event.<name>`,
 * `ce.<name>`, `event['<name>']` (any attribute but `time`), `event.data` and `data`; field
 * selection (`.f`, `['f']`) and list indexing (`[0]`) on data; `==`, `!=`, `<`, `<=`, `>`, `>=`;
 * `&&`, `||`, `!`; `has()` of a field chain; `in` a list literal of literals and `in` a data field;
 * `startsWith`, `endsWith` and `contains`; `int()`.
 *
 * The rules each one follows are cel-js 8's (lib/operators.js, overloads.js, functions.js):
 *   - values: JSON numbers are doubles, integer literals are ints (bigint); an attribute or field
 *     that is absent is an error (`No such key`), as is a field of anything but a map;
 *   - `==`/`!=` between values of different types is false/true, except int and double, which
 *     compare numerically; `<` and friends between different types are an error, except int and
 *     double; strings compare by UTF-16 code units (JavaScript's `<`);
 *   - `&&` is false when either side is false, even if the other is an error, and true only when
 *     both are true; any other combination (an error, a non-bool) is an error; `||` likewise;
 *   - cel-js reads an object's type from its `constructor` property, so a JSON object with a
 *     "constructor" key is an error there: every value that is not a string, number, bool, null,
 *     or an array or object whose constructor is Array or Object makes the closure DEFER.
 */

/** The closure cannot give cel-js's result for these values: evaluate with cel-js. */
export const DEFER: unique symbol = Symbol('defer to cel-js');
/** A CEL evaluation error: what cel-js would throw. */
const ERR: unique symbol = Symbol('cel error');

/** A compiled expression: true, false, another value (not a bool: an error too), ERR, or DEFER. */
export type CelClosure = (input: FilterInput) => unknown;

type Fn = (input: FilterInput) => unknown;

// Kinds of CEL values as cel-js tells them apart at run time (`debugType`).
const OTHER = 0;
const STRING = 1;
const DOUBLE = 2;
const INT = 3;
const BOOL = 4;
const NULL = 5;
const LIST = 6;
const MAP = 7;

const hasOwn = Object.hasOwn;

function kindOf(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return STRING;
    case 'number':
      return DOUBLE;
    case 'bigint':
      return INT;
    case 'boolean':
      return BOOL;
    case 'object': {
      if (v === null) return NULL;
      // The property, not the prototype: cel-js switches on `value.constructor`.
      const c = (v as { constructor?: unknown }).constructor;
      return c === Object ? MAP : c === Array ? LIST : OTHER;
    }
    default:
      return OTHER;
  }
}

/** A value read from the event: undefined is a missing key, anything cel-js might reject defers. */
function checked(v: unknown): unknown {
  if (v === undefined) return ERR;
  if (typeof v === 'object' && v !== null) {
    const c = (v as { constructor?: unknown }).constructor;
    if (c !== Object && c !== Array) return DEFER;
  } else if (typeof v === 'function' || typeof v === 'symbol') return DEFER;
  return v;
}

/** cel-js `debugTypeDeep` (run on both operands of `in` with a dyn side) would not throw. */
function deepKindOk(v: unknown): boolean {
  const k = kindOf(v);
  if (k === OTHER) return false;
  if (k === LIST) {
    const first = (v as unknown[])[0];
    return first === undefined || deepKindOk(first);
  }
  if (k === MAP) {
    for (const key in v as Record<string, unknown>) return deepKindOk((v as Record<string, unknown>)[key]);
  }
  return true;
}

/** `a == b` as cel-js decides it for two values that are not errors. */
function equals(a: unknown, b: unknown): boolean | typeof DEFER {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === OTHER || kb === OTHER) return DEFER;
  if (ka >= LIST || kb >= LIST) {
    // Lists and maps compare element by element with each other (left to cel-js); against
    // anything else there is no overload, so false, once cel-js has read their element types.
    if (ka >= LIST && kb >= LIST) return DEFER;
    return deepKindOk(ka >= LIST ? a : b) ? false : DEFER;
  }
  if (ka === kb) return a === b;
  // overloads.js `dyn<int> == double`: numeric equality, exact for bigint against number.
  // biome-ignore lint/suspicious/noDoubleEquals: int (bigint) against double (number), as cel-js compares them
  if ((ka === DOUBLE && kb === INT) || (ka === INT && kb === DOUBLE)) return a == b;
  // No overload for the pair: cel-js falls back to `===` when a side is dyn (registry.js), false here.
  return false;
}

/** Whether `<`, `<=`, `>`, `>=` have an overload for these kinds (overloads.js); else an error. */
function comparable(ka: number, kb: number): boolean {
  if (ka === kb) return ka >= STRING && ka <= BOOL;
  return (ka === DOUBLE && kb === INT) || (ka === INT && kb === DOUBLE);
}

type Relation = '<' | '<=' | '>' | '>=';

function relation(op: Relation, a: unknown, b: unknown): unknown {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === OTHER || kb === OTHER) return DEFER;
  // No ordering has an overload for lists, maps, null or mixed types (but int and double).
  if (!comparable(ka, kb)) return ERR;
  const x = a as number;
  const y = b as number;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

/** cel-js `isEqual(a, b)` for a scalar or null `a` (list membership). */
function memberEquals(a: unknown, ka: number, b: unknown): boolean | typeof DEFER {
  if (a === b) return true;
  // biome-ignore lint/suspicious/noDoubleEquals: int (bigint) against double (number), as cel-js compares them
  if (ka === DOUBLE || ka === INT) return typeof b === (ka === DOUBLE ? 'bigint' : 'number') && a == b;
  // null against an object: cel-js compares their runtime types, which needs the object's.
  if (ka === NULL && typeof b === 'object' && b !== null && kindOf(b) === OTHER) return DEFER;
  return false;
}

/** `a in list` with `list` a list or map value (overloads.js listMembership / mapIncludes). */
function contained(a: unknown, container: unknown): unknown {
  const ka = kindOf(a);
  if (ka === OTHER || ka >= LIST) return DEFER;
  const kc = kindOf(container);
  if (kc === LIST) {
    if (!deepKindOk(container)) return DEFER;
    let deferred = false;
    for (const item of container as unknown[]) {
      const r = memberEquals(a, ka, item);
      if (r === true) return true;
      if (r === DEFER) deferred = true;
    }
    return deferred ? DEFER : false;
  }
  if (kc === MAP) {
    if (!deepKindOk(container)) return DEFER;
    const map = container as Record<PropertyKey, unknown>;
    // cel-js passes the value to Object.hasOwn as is, so 1 finds the key "1".
    return hasOwn(map, a as PropertyKey) ? map[a as PropertyKey] !== undefined : false;
  }
  return kc === OTHER ? DEFER : ERR;
}

/** Field `key` of a value (cel-js `fieldAccess` on a dyn value). */
function field(obj: unknown, key: string): unknown {
  const k = kindOf(obj);
  if (k === MAP) {
    const map = obj as Record<string, unknown>;
    return checked(hasOwn(map, key) ? map[key] : undefined);
  }
  return k === OTHER ? DEFER : ERR;
}

/** `obj[index]` with an int literal: a list element, or the map key of that number's digits. */
function element(obj: unknown, index: bigint): unknown {
  const k = kindOf(obj);
  if (k === LIST) return checked((obj as unknown[])[Number(index)]);
  if (k === MAP) {
    const map = obj as Record<string, unknown>;
    const key = String(index);
    return checked(hasOwn(map, key) ? map[key] : undefined);
  }
  return k === OTHER ? DEFER : ERR;
}

/** cel-js `has()` one step: the field, or undefined when absent (fieldLazy). */
function presentField(obj: unknown, key: string): unknown {
  const k = kindOf(obj);
  if (k === MAP) {
    const map = obj as Record<string, unknown>;
    if (!hasOwn(map, key)) return undefined;
    const v = map[key];
    return v === undefined ? undefined : checked(v);
  }
  return k === OTHER ? DEFER : undefined;
}

function isSentinel(v: unknown): boolean {
  return v === ERR || v === DEFER;
}

// functions.js int(string): its exact checks, so int('') is 0 as there and int('0X1F') is 31.
const MAX_INT = 9223372036854775807n;
const MIN_INT = -9223372036854775808n;
function intOfString(v: string): unknown {
  if (v !== v.trim() || v.length > 20 || v.includes('0x')) return ERR;
  try {
    const num = BigInt(v);
    if (num <= MAX_INT && num >= MIN_INT) return num;
  } catch {}
  return ERR;
}

function toInt(v: unknown): unknown {
  switch (typeof v) {
    case 'bigint':
      return v;
    case 'number':
      return Number.isFinite(v) ? BigInt(Math.trunc(v)) : ERR;
    case 'string':
      return intOfString(v);
    default:
      return kindOf(v) === OTHER ? DEFER : ERR;
  }
}

const STRING_METHODS: Record<string, (receiver: string, arg: string) => boolean> = {
  startsWith: (r, a) => r.startsWith(a),
  endsWith: (r, a) => r.endsWith(a),
  contains: (r, a) => r.includes(a),
};

type Literal = string | number | bigint | boolean | null;

/** The literal `node` stands for (`-` folded into numbers), or undefined when it is not one. */
function literalOf(node: ASTNode): { value: Literal } | undefined {
  if (node.op === 'value') {
    const v = node.args;
    if (
      v === null ||
      typeof v === 'string' ||
      typeof v === 'number' ||
      typeof v === 'bigint' ||
      typeof v === 'boolean'
    ) {
      return { value: v };
    }
    return undefined;
  }
  if (node.op === '-_') {
    const inner = literalOf(node.args);
    if (inner === undefined) return undefined;
    const v = inner.value;
    if (typeof v === 'bigint' || typeof v === 'number') return { value: -v };
  }
  return undefined;
}

const ROOTS = new Set(['event', 'ce']);

/** `event.<name>`, `ce.<name>` or `event['<name>']`: the attribute name, if the node is one. */
function eventField(node: ASTNode): string | undefined {
  if (node.op === '.') {
    const [target, name] = node.args;
    return target.op === 'id' && ROOTS.has(target.args) ? name : undefined;
  }
  if (node.op === '[]') {
    const [target, key] = node.args;
    if (target.op !== 'id' || !ROOTS.has(target.args)) return undefined;
    return key.op === 'value' && typeof key.args === 'string' ? key.args : undefined;
  }
  return undefined;
}

function readData(input: FilterInput): unknown {
  return checked(input.data());
}

function attributeReader(name: string): Fn | undefined {
  // `time` is a timestamp in CEL; `__proto__` would be the activation's prototype, not a key.
  if (name === 'time' || name === '__proto__') return undefined;
  if (name === 'data') return readData;
  return (input) => {
    const attributes = input.event.attributes;
    return checked(hasOwn(attributes, name) ? attributes[name] : undefined);
  };
}

/**
 * Compiles `ast` (a parsed, type-checked trigger expression) to a closure, or returns undefined
 * when some part of it is not one of the covered shapes.
 */
export function compileCelClosure(ast: ASTNode): CelClosure | undefined {
  return compile(ast);
}

/**
 * The conjunction (`&&`) of `terms`, or undefined when one of them is not a covered shape. Used
 * for what is left of an expression once terms known to be true are taken out of its top level.
 */
export function compileCelConjunction(terms: readonly ASTNode[]): CelClosure | undefined {
  let closure: Fn | undefined;
  for (const term of terms) {
    const next = compile(term);
    if (next === undefined) return undefined;
    closure = closure === undefined ? next : logical('&&', closure, next);
  }
  return closure;
}

function compile(node: ASTNode): Fn | undefined {
  const literal = literalOf(node);
  if (literal !== undefined) {
    const value = literal.value;
    return () => value;
  }
  switch (node.op) {
    case 'id':
      return node.args === 'data' ? readData : undefined;
    case '.':
    case '[]': {
      const name = eventField(node);
      if (name !== undefined) return attributeReader(name);
      return compileAccess(node);
    }
    case '==':
    case '!=':
      return compileEquality(node.op, node.args[0], node.args[1]);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compileRelation(node.op, node.args[0], node.args[1]);
    case '&&':
    case '||':
      return compileLogical(node.op, node.args[0], node.args[1]);
    case '!_': {
      const operand = compile(node.args);
      if (operand === undefined) return undefined;
      return (input) => {
        const v = operand(input);
        if (typeof v === 'boolean') return !v;
        return v === DEFER ? DEFER : kindOf(v) === OTHER && v !== ERR ? DEFER : ERR;
      };
    }
    case 'in':
      return compileIn(node.args[0], node.args[1]);
    case 'call':
      return compileCall(node.args[0], node.args[1]);
    case 'rcall':
      return compileMethod(node.args[0], node.args[1], node.args[2]);
    default:
      return undefined;
  }
}

/** One step of a path into the data: a field name (`.f`, `['f']`) or a list index (`[0]`). */
type Step = string | bigint;

/**
 * `target.f`, `target['f']`, `target[0]`, and chains of them, as one closure: the target (data, an
 * attribute, or any other compiled expression) and the steps from it.
 */
function compileAccess(node: ASTNode & { op: '.' | '[]' }): Fn | undefined {
  const steps: Step[] = [];
  let at: ASTNode = node;
  while (at.op === '.' || at.op === '[]') {
    if (eventField(at) !== undefined) break;
    if (at.op === '.') steps.unshift(at.args[1]);
    else {
      const key = at.args[1];
      if (key.op !== 'value' || (typeof key.args !== 'string' && typeof key.args !== 'bigint'))
        return undefined;
      steps.unshift(key.args);
    }
    at = at.args[0];
  }
  const target = compile(at);
  if (target === undefined) return undefined;
  if (steps.length === 1) {
    const step = steps[0] as Step;
    return (input) => {
      const obj = target(input);
      if (isSentinel(obj)) return obj;
      return typeof step === 'string' ? field(obj, step) : element(obj, step);
    };
  }
  return (input) => {
    let obj = target(input);
    for (let i = 0; i < steps.length; i++) {
      if (isSentinel(obj)) return obj;
      const step = steps[i] as Step;
      obj = typeof step === 'string' ? field(obj, step) : element(obj, step);
    }
    return obj;
  };
}

function compileEquality(op: '==' | '!=', leftNode: ASTNode, rightNode: ASTNode): Fn | undefined {
  const left = compile(leftNode);
  const right = compile(rightNode);
  if (left === undefined || right === undefined) return undefined;
  const negate = op === '!=';
  const literal = literalOf(rightNode)?.value;
  const attribute = eventField(leftNode);
  if (typeof literal === 'string' && attribute !== undefined && attribute !== 'data') {
    // The most common shape, `event.type == 'x'`, read in one step.
    const text = literal;
    return (input) => {
      const attributes = input.event.attributes;
      const a = hasOwn(attributes, attribute) ? attributes[attribute] : undefined;
      if (typeof a === 'string') return (a === text) !== negate;
      const v = checked(a);
      if (isSentinel(v)) return v;
      const r = equals(v, text);
      return r === DEFER ? DEFER : r !== negate;
    };
  }
  if (typeof literal === 'string') {
    const text = literal;
    return (input) => {
      const a = left(input);
      if (typeof a === 'string') return (a === text) !== negate;
      if (isSentinel(a)) return a;
      const r = equals(a, text);
      return r === DEFER ? DEFER : r !== negate;
    };
  }
  const number = safeNumber(literal);
  if (number !== undefined) {
    // A JSON number against a number literal: an int literal that a double holds exactly
    // compares the same as a double (cel-js compares int and double numerically).
    return (input) => {
      const a = left(input);
      if (typeof a === 'number') return (a === number) !== negate;
      if (isSentinel(a)) return a;
      const r = equals(a, literal);
      return r === DEFER ? DEFER : r !== negate;
    };
  }
  return (input) => {
    const a = left(input);
    if (isSentinel(a)) return a;
    const b = right(input);
    if (isSentinel(b)) return b;
    const r = equals(a, b);
    return r === DEFER ? DEFER : r !== negate;
  };
}

/** A number literal as a double, when that is exact: doubles, and ints up to 2^53. */
function safeNumber(literal: Literal | undefined): number | undefined {
  if (typeof literal === 'number') return literal;
  if (typeof literal === 'bigint' && literal <= MAX_SAFE && literal >= -MAX_SAFE) return Number(literal);
  return undefined;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const ORDERINGS: Record<Relation, (x: number, y: number) => boolean> = {
  '<': (x, y) => x < y,
  '<=': (x, y) => x <= y,
  '>': (x, y) => x > y,
  '>=': (x, y) => x >= y,
};

function compileRelation(op: Relation, leftNode: ASTNode, rightNode: ASTNode): Fn | undefined {
  const literal = literalOf(rightNode)?.value;
  const number = safeNumber(literal);
  if (
    number !== undefined &&
    leftNode.op === 'call' &&
    leftNode.args[0] === 'int' &&
    leftNode.args[1].length === 1
  ) {
    // `int(x) > 60` on a JSON number: int() truncates, and the truncated double is the int
    // exactly, so comparing it with the literal as a double needs no bigint.
    const arg = compile(leftNode.args[1][0] as ASTNode);
    if (arg === undefined) return undefined;
    const order = ORDERINGS[op];
    return (input) => {
      const v = arg(input);
      if (typeof v === 'number') return Number.isFinite(v) ? order(Math.trunc(v), number) : ERR;
      if (isSentinel(v)) return v;
      const a = toInt(v);
      return isSentinel(a) ? a : relation(op, a, literal);
    };
  }
  const left = compile(leftNode);
  const right = compile(rightNode);
  if (left === undefined || right === undefined) return undefined;
  if (number !== undefined) {
    const order = ORDERINGS[op];
    return (input) => {
      const a = left(input);
      if (typeof a === 'number') return order(a, number);
      if (isSentinel(a)) return a;
      return relation(op, a, literal);
    };
  }
  return (input) => {
    const a = left(input);
    if (isSentinel(a)) return a;
    const b = right(input);
    if (isSentinel(b)) return b;
    return relation(op, a, b);
  };
}

function compileLogical(op: '&&' | '||', leftNode: ASTNode, rightNode: ASTNode): Fn | undefined {
  const left = compile(leftNode);
  const right = compile(rightNode);
  if (left === undefined || right === undefined) return undefined;
  return logical(op, left, right);
}

function logical(op: '&&' | '||', left: Fn, right: Fn): Fn {
  // operators.js: the side that decides (false for &&, true for ||) wins over an error or a
  // non-bool on the other; otherwise both must be bools. cel-js evaluates left first, and the
  // right only when the left does not decide.
  const decisive = op === '||';
  return (input) => {
    const l = left(input);
    if (l === decisive) return decisive;
    if (l === DEFER) return DEFER;
    const r = right(input);
    if (r === decisive) return decisive;
    if (r === DEFER) return DEFER;
    return l === !decisive && r === !decisive ? !decisive : ERR;
  };
}

function compileIn(leftNode: ASTNode, rightNode: ASTNode): Fn | undefined {
  const left = compile(leftNode);
  if (left === undefined) return undefined;
  if (rightNode.op === 'list') {
    const items: Literal[] = [];
    for (const item of rightNode.args) {
      const literal = literalOf(item);
      if (literal === undefined) return undefined;
      items.push(literal.value);
    }
    if (items.length === 0) return undefined;
    return (input) => {
      const a = left(input);
      if (isSentinel(a)) return a;
      const ka = kindOf(a);
      if (ka === OTHER || ka >= LIST) return DEFER;
      for (const item of items) if (memberEquals(a, ka, item) === true) return true;
      return false;
    };
  }
  const right = compile(rightNode);
  if (right === undefined) return undefined;
  return (input) => {
    const a = left(input);
    if (isSentinel(a)) return a;
    const b = right(input);
    if (isSentinel(b)) return b;
    return contained(a, b);
  };
}

function compileCall(name: string, args: ASTNode[]): Fn | undefined {
  if (name === 'has' && args.length === 1) return compileHas(args[0] as ASTNode);
  if (name === 'int' && args.length === 1) {
    const arg = compile(args[0] as ASTNode);
    if (arg === undefined) return undefined;
    return (input) => {
      const v = arg(input);
      return isSentinel(v) ? v : toInt(v);
    };
  }
  return undefined;
}

/** macros.js `has()`: an absent last field is false, an absent field before it an error. */
function compileHas(node: ASTNode): Fn | undefined {
  const names: string[] = [];
  let at = node;
  while (at.op === '.') {
    names.unshift(at.args[1]);
    at = at.args[0];
  }
  if (at.op !== 'id' || names.length === 0) return undefined;
  let start: Fn;
  let rest: string[];
  if (at.args === 'data') {
    start = readData;
    rest = names;
  } else if (ROOTS.has(at.args)) {
    const first = names[0] as string;
    if (first === 'time' || first === '__proto__') return undefined;
    start =
      first === 'data'
        ? (input) => {
            const v = input.data();
            return v === undefined ? undefined : checked(v);
          }
        : (input) => {
            const attributes = input.event.attributes;
            const v = hasOwn(attributes, first) ? attributes[first] : undefined;
            return v === undefined ? undefined : checked(v);
          };
    rest = names.slice(1);
    if (rest.length === 0) {
      return (input) => {
        const v = start(input);
        return v === DEFER ? DEFER : v !== undefined;
      };
    }
    const afterFirst = start;
    start = (input) => {
      const v = afterFirst(input);
      return v === undefined ? ERR : v;
    };
  } else {
    return undefined;
  }
  const last = rest.length - 1;
  return (input) => {
    let obj = start(input);
    for (let i = 0; i <= last; i++) {
      if (isSentinel(obj)) return obj;
      obj = presentField(obj, rest[i] as string);
      if (obj === undefined) return i === last ? false : ERR;
    }
    return obj === DEFER ? DEFER : true;
  };
}

function compileMethod(name: string, receiverNode: ASTNode, args: ASTNode[]): Fn | undefined {
  const method = Object.hasOwn(STRING_METHODS, name) ? STRING_METHODS[name] : undefined;
  if (method === undefined || args.length !== 1) return undefined;
  const receiver = compile(receiverNode);
  const arg = compile(args[0] as ASTNode);
  if (receiver === undefined || arg === undefined) return undefined;
  return (input) => {
    // cel-js evaluates the argument before the receiver; either one failing is an error.
    const a = arg(input);
    if (isSentinel(a)) return a;
    const r = receiver(input);
    if (isSentinel(r)) return r;
    if (typeof r === 'string' && typeof a === 'string') return method(r, a);
    return ERR;
  };
}
