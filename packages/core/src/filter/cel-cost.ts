import type { ASTNode } from '@marcbachmann/cel-js';
import { FILTER_DATA_LIMITS } from './input.ts';
import { MAX_PATTERN_LENGTH } from './regex.ts';

/*
 * The estimated worst-case cost of a CEL expression, checked when a Trigger loads.
 *
 * Why: the parse-time limits (length, AST nodes, depth, literal sizes, no nested macros) bound the
 * expression, not what it computes. Each `cel.bind` may name a value twice the size of the previous
 * one (`cel.bind(b, a + a + a + a, ...)`), so fifteen of them, well within every parse-time limit,
 * build strings or lists of billions of elements: seconds and gigabytes per event, on the
 * dispatcher's only thread, for every broker of the process. Kubernetes has the same problem with
 * CEL in CRD validation rules and rejects, at admission, a rule whose estimated cost over inputs of
 * bounded size is over a limit (cel-go `checker.Cost`, apiextensions "estimated rule cost"); this
 * is that estimate, over the cel-js AST.
 *
 * The model, in cel-go's units (about one unit per AST node evaluated; 0.1 per character a string
 * function walks or copies; one per list element copied or compared):
 *   - every value gets a size bound: characters of a string, elements of a list, entries of a map,
 *     and the size bound of its elements (`of`). `event.data` and everything read from it is
 *     bounded by FILTER_DATA_LIMITS.maxBytes (no JSON value of that many bytes is longer), an
 *     attribute by the ingress body limit; literals by what they are;
 *   - sizes flow through `cel.bind` variables, `+` (the sum of both sides), the macros (`map` has
 *     as many elements as its receiver, each of the body's size), `?:` (the larger branch), and the
 *     string functions (`replace`, `join`, ... bounded by their inputs' product or sum);
 *   - a macro costs its body's cost once per element of its receiver; `+`, `in`, comparisons,
 *     `contains`, `matches` and friends cost in proportion to the sizes they walk or produce;
 *     both branches of `&&`, `||` and `?:` are counted.
 * The estimate is computed twice: with every input at its limit (a filter may cost in proportion
 * to the event it reads, as every filter that looks at data does), and with a small event, where
 * only what the expression itself builds counts, and that must stay small, since it is paid for
 * every event, however small. At run time, a budget per evaluation (cel.ts) backs the estimate up.
 */

/** Bounds of the inputs the estimate assumes. */
export interface CelInputBounds {
  /** Bytes of the event's data (the largest JSON value filters parse). */
  dataBytes: number;
  /** Bytes of one attribute's value. */
  attributeBytes: number;
}

/** The ingress's default body limit (`--max-body 1mb`): no attribute of an event is longer. */
export const ATTRIBUTE_MAX_BYTES = 1024 * 1024;

export const CEL_COST_LIMITS = {
  /**
   * Inputs at their limits (4 MiB of data, 1 MiB attributes). A filter that walks the data a few
   * times, such as `event.data.items.exists(i, i.sku == 'x' && i.qty > 2)`, costs ~2e7 here;
   * building values many times the event's size costs orders of magnitude more.
   */
  worstCase: {
    bounds: { dataBytes: FILTER_DATA_LIMITS.maxBytes, attributeBytes: ATTRIBUTE_MAX_BYTES },
    limit: 100_000_000,
  },
  /**
   * A 1 KiB event: the realistic filters cost at most ~11,000 units here (4 per data byte for a
   * macro over the data), and this keeps what an expression builds on its own (a list doubled by
   * fifteen `cel.bind`s costs ~131,000) to a fraction of a millisecond of cel-js per event: the
   * costliest accepted filter (eleven doublings) takes ~0.2 ms, so at a few hundred events/s a
   * hostile Trigger leaves the others' p99 within 2× (benchmark 9).
   */
  smallEvent: { bounds: { dataBytes: 1024, attributeBytes: 1024 }, limit: 20_000 },
} as const;

/** A size bound: `n` characters, elements or entries; `of` bounds each element or entry. */
interface Size {
  n: number;
  of?: Size;
  list?: boolean;
  /** The sizes of the elements add up to at most `n` (true of anything read from the data). */
  shared?: boolean;
}

interface Estimate {
  cost: number;
  size: Size;
}

const SCALAR: Size = { n: 1 };
/** An element of a `shared` list, for the part of a macro's cost that does not depend on its size. */
const SMALL: Size = { n: 1, shared: true };
SMALL.of = SMALL;
const STRING_FACTOR = 0.1;

export interface CostExceeded {
  estimated: number;
  limit: number;
  /** The offset of the costliest top-level part of the expression. */
  offset: number;
  bounds: CelInputBounds;
}

/** The estimated worst-case cost of `ast` under `bounds`. */
export function estimateCelCost(ast: ASTNode, bounds: CelInputBounds): number {
  return new Estimator(bounds).visit(ast, new Map()).cost;
}

/** The first limit of CEL_COST_LIMITS `ast` exceeds, if any. */
export function checkCelCost(ast: ASTNode): CostExceeded | undefined {
  for (const { bounds, limit } of [CEL_COST_LIMITS.worstCase, CEL_COST_LIMITS.smallEvent]) {
    const estimator = new Estimator(bounds);
    const estimated = estimator.visit(ast, new Map()).cost;
    if (estimated > limit) {
      return { estimated: Math.ceil(estimated), limit, offset: costliestOffset(ast, bounds), bounds };
    }
  }
  return undefined;
}

/** Descends into the costliest child while it holds most of the cost: where to point the user. */
function costliestOffset(ast: ASTNode, bounds: CelInputBounds): number {
  const estimator = new Estimator(bounds);
  const total = estimator.visit(ast, new Map()).cost;
  let node = ast;
  for (;;) {
    const best = estimator.costliestChild(node);
    if (best === undefined || best.cost < total / 2) return node.range.start;
    node = best.node;
  }
}

function larger(a: Size | undefined, b: Size | undefined): Size | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return a.n >= b.n ? a : b;
}

class Estimator {
  readonly #data: Size;
  readonly #attribute: Size;
  readonly #event: Size;
  readonly #seen = new Map<ASTNode, Estimate>();

  constructor(bounds: CelInputBounds) {
    // Any JSON value of the data: a string of at most that many characters, a list or map of at
    // most that many elements, each of which may be as large again.
    const data: Size = { n: bounds.dataBytes, shared: true };
    data.of = data;
    this.#data = data;
    this.#attribute = { n: bounds.attributeBytes };
    this.#event = { n: 64, of: larger(this.#attribute, data) };
  }

  costliestChild(node: ASTNode): { node: ASTNode; cost: number } | undefined {
    let best: { node: ASTNode; cost: number } | undefined;
    for (const child of children(node)) {
      const cost = this.#seen.get(child)?.cost ?? 0;
      if (best === undefined || cost > best.cost) best = { node: child, cost };
    }
    return best;
  }

  visit(node: ASTNode, scope: ReadonlyMap<string, Size>): Estimate {
    const estimate = this.#visit(node, scope);
    this.#seen.set(node, estimate);
    return estimate;
  }

  #visit(node: ASTNode, scope: ReadonlyMap<string, Size>): Estimate {
    switch (node.op) {
      case 'value': {
        const value: unknown = node.args;
        if (typeof value === 'string') return { cost: 0, size: { n: value.length } };
        if (value instanceof Uint8Array) return { cost: 0, size: { n: value.length } };
        return { cost: 0, size: SCALAR };
      }
      case 'id':
        return { cost: 1, size: this.#identifier(node.args as string, scope) };
      case '.':
      case '.?': {
        const [target, field] = node.args as [ASTNode, string];
        const t = this.visit(target, scope);
        return { cost: t.cost + 1, size: this.#member(target, field, t.size, scope) };
      }
      case '[]':
      case '[?]': {
        const [target, key] = node.args as [ASTNode, ASTNode];
        const t = this.visit(target, scope);
        const k = this.visit(key, scope);
        const field = key.op === 'value' && typeof key.args === 'string' ? key.args : undefined;
        return { cost: t.cost + k.cost + 1, size: this.#member(target, field, t.size, scope) };
      }
      case 'list': {
        const items = (node.args as ASTNode[]).map((item) => this.visit(item, scope));
        let of: Size | undefined;
        for (const item of items) of = larger(of, item.size);
        return { cost: sum(items) + 1 + items.length, size: { n: items.length, of, list: true } };
      }
      case 'map': {
        let cost = 1;
        let of: Size | undefined;
        for (const [key, value] of node.args as Array<[ASTNode, ASTNode]>) {
          const k = this.visit(key, scope);
          const v = this.visit(value, scope);
          cost += k.cost + v.cost + 1;
          of = larger(larger(of, k.size), v.size);
        }
        return { cost, size: { n: (node.args as unknown[]).length, of } };
      }
      case '!_':
      case '-_':
        return { cost: this.visit(node.args as ASTNode, scope).cost + 1, size: SCALAR };
      case 'call':
        return this.#call(node.args[0] as string, node.args[1] as ASTNode[], scope);
      case 'rcall':
        return this.#method(node, scope);
      default:
        return this.#operator(node.op, node.args as ASTNode[], scope);
    }
  }

  #identifier(name: string, scope: ReadonlyMap<string, Size>): Size {
    const bound = scope.get(name);
    if (bound !== undefined) return bound;
    if (name === 'event' || name === 'ce') return this.#event;
    return this.#data;
  }

  /** The size of `target.field` (or `target[key]`). */
  #member(target: ASTNode, field: string | undefined, size: Size, scope: ReadonlyMap<string, Size>): Size {
    if (target.op === 'id' && !scope.has(target.args as string)) {
      const name = target.args as string;
      if (name === 'event' || name === 'ce') {
        if (field === 'time') return SCALAR;
        return field === 'data' || field === undefined ? this.#data : this.#attribute;
      }
    }
    return size.of ?? this.#data;
  }

  #operator(op: string, args: ASTNode[], scope: ReadonlyMap<string, Size>): Estimate {
    const operands = args.map((arg) => this.visit(arg, scope));
    const cost = sum(operands) + 1;
    const [a, b] = operands.map((o) => o.size) as [Size, Size | undefined];
    switch (op) {
      case '+': {
        if (b === undefined) return { cost, size: a };
        const list = a.list === true || b.list === true;
        const n = a.n + b.n;
        return {
          cost: cost + Math.ceil(n * (list ? 1 : STRING_FACTOR)),
          size: { n, of: larger(a.of, b.of), list, shared: a.shared === true && b.shared === true },
        };
      }
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        // Strings compare character by character, lists and maps element by element (deeply).
        return { cost: cost + Math.ceil(Math.min(a.n, b?.n ?? 1) * STRING_FACTOR), size: SCALAR };
      case 'in':
        // A list is searched element by element, with a comparison each.
        return { cost: cost + (b?.n ?? 1) * (1 + Math.ceil(a.n * STRING_FACTOR)), size: SCALAR };
      case '?:': {
        const [, whenTrue, whenFalse] = operands as [Estimate, Estimate, Estimate];
        return { cost, size: larger(whenTrue.size, whenFalse.size) ?? SCALAR };
      }
      default:
        // && || - * / % and anything new: the operands, one unit, a scalar.
        return { cost, size: SCALAR };
    }
  }

  #call(name: string, args: ASTNode[], scope: ReadonlyMap<string, Size>): Estimate {
    const operands = args.map((arg) => this.visit(arg, scope));
    const cost = sum(operands) + 1;
    const [first, second] = operands.map((o) => o.size);
    switch (name) {
      case 'has':
      case 'size':
      case 'type':
        return { cost, size: SCALAR };
      case 'dyn':
        return { cost, size: first ?? SCALAR };
      case 'int':
      case 'uint':
      case 'double':
      case 'bool':
      case 'timestamp':
      case 'duration':
        return { cost: cost + Math.ceil((first?.n ?? 1) * STRING_FACTOR), size: SCALAR };
      case 'string':
      case 'bytes':
        return {
          cost: cost + Math.ceil((first?.n ?? 1) * STRING_FACTOR),
          size: { n: Math.max(first?.n ?? 1, 32) },
        };
      case 'matches':
        return { cost: cost + matchCost(first, second), size: SCALAR };
      default:
        return {
          cost: cost + Math.ceil(totalSize(operands) * STRING_FACTOR),
          size: this.#unknownResult(operands),
        };
    }
  }

  #method(node: ASTNode, scope: ReadonlyMap<string, Size>): Estimate {
    const [name, receiver, args] = node.args as [string, ASTNode, ASTNode[]];
    const first = args[0];
    if (
      name === 'bind' &&
      receiver.op === 'id' &&
      receiver.args === 'cel' &&
      args.length === 3 &&
      first?.op === 'id'
    ) {
      const value = this.visit(args[1] as ASTNode, scope);
      const inner = new Map(scope).set(first.args as string, value.size);
      const body = this.visit(args[2] as ASTNode, inner);
      return { cost: value.cost + body.cost + 1, size: body.size };
    }
    const r = this.visit(receiver, scope);
    if (
      ['all', 'exists', 'exists_one', 'map', 'filter'].includes(name) &&
      args.length >= 2 &&
      first?.op === 'id'
    ) {
      const element = r.size.of ?? this.#data;
      const variable = first.args as string;
      const bodies = args.slice(1).map((arg) => this.visit(arg, new Map(scope).set(variable, element)));
      const iterations = r.size.n;
      let cost = r.cost + 1 + iterations * (sum(bodies) + 1);
      if (r.size.shared === true) {
        // The elements' sizes add up to the list's: the bodies cost (they are sums and products of
        // sizes, so convex in them) at most once at the largest element, and at the smallest for
        // every other element. Visited last, so positions point at the largest case.
        const small = args.slice(1).map((arg) => this.visit(arg, new Map(scope).set(variable, SMALL)));
        const large = args.slice(1).map((arg) => this.visit(arg, new Map(scope).set(variable, element)));
        cost = r.cost + 1 + iterations * (sum(small) + 1) + sum(large);
      }
      if (name === 'map') {
        const last = bodies.at(-1) as Estimate;
        return { cost: cost + iterations, size: { n: iterations, of: last.size, list: true } };
      }
      if (name === 'filter') {
        return {
          cost: cost + iterations,
          size: { n: iterations, of: element, list: true, shared: r.size.shared },
        };
      }
      return { cost, size: SCALAR };
    }
    const operands = args.map((arg) => this.visit(arg, scope));
    const cost = r.cost + sum(operands) + 1;
    const a = operands[0]?.size;
    const b = operands[1]?.size;
    const walk = Math.ceil(r.size.n * STRING_FACTOR);
    switch (name) {
      case 'contains':
      case 'startsWith':
      case 'endsWith':
      case 'indexOf':
      case 'lastIndexOf':
        return { cost: cost + walk * Math.max(1, Math.ceil((a?.n ?? 1) * STRING_FACTOR)), size: SCALAR };
      case 'matches':
      case 're2Find':
        return { cost: cost + matchCost(r.size, a), size: SCALAR };
      case 'size':
      case 'hasValue':
        return { cost, size: SCALAR };
      case 'lowerAscii':
      case 'upperAscii':
      case 'trim':
      case 'reverse':
      case 'substring':
      case 'charAt':
      case 'value':
        return { cost: cost + walk, size: r.size };
      case 'orValue':
      case 'or':
        return { cost, size: larger(r.size, a) ?? SCALAR };
      case 'split':
        return { cost: cost + walk, size: { n: r.size.n, of: r.size, list: true, shared: true } };
      case 'replace': {
        // Every character may be replaced by the replacement.
        const n = r.size.n * Math.max(1, b?.n ?? 1);
        return { cost: cost + walk + Math.ceil(n * STRING_FACTOR), size: { n } };
      }
      case 'join': {
        const element = r.size.of ?? this.#data;
        const n = r.size.n * (element.n + (a?.n ?? 0));
        return { cost: cost + r.size.n + Math.ceil(n * STRING_FACTOR), size: { n } };
      }
      default: {
        const all = [r, ...operands];
        return { cost: cost + Math.ceil(totalSize(all) * STRING_FACTOR), size: this.#unknownResult(all) };
      }
    }
  }

  /** A function the model does not know: its result is no larger than all its inputs together. */
  #unknownResult(operands: Estimate[]): Size {
    let of: Size | undefined;
    for (const operand of operands) of = larger(larger(of, operand.size), operand.size.of);
    return { n: Math.max(1, totalSize(operands)), of, list: operands.some((o) => o.size.list === true) };
  }
}

/** RE2 runs in time linear in the text, times the pattern's size (at most MAX_PATTERN_LENGTH). */
function matchCost(text: Size | undefined, pattern: Size | undefined): number {
  const patternSize = Math.min(pattern?.n ?? 1, MAX_PATTERN_LENGTH);
  return Math.ceil((text?.n ?? 1) * STRING_FACTOR) * Math.max(1, Math.ceil(patternSize * STRING_FACTOR));
}

function sum(estimates: Estimate[]): number {
  let total = 0;
  for (const estimate of estimates) total += estimate.cost;
  return total;
}

function totalSize(estimates: Estimate[]): number {
  let total = 0;
  for (const estimate of estimates) total += estimate.size.n;
  return total;
}

function children(node: ASTNode): ASTNode[] {
  switch (node.op) {
    case 'value':
    case 'id':
      return [];
    case '.':
    case '.?':
      return [node.args[0] as ASTNode];
    case '!_':
    case '-_':
      return [node.args as ASTNode];
    case 'call':
      return node.args[1] as ASTNode[];
    case 'rcall':
      return [node.args[1] as ASTNode, ...(node.args[2] as ASTNode[])];
    case 'map':
      return (node.args as Array<[ASTNode, ASTNode]>).flat();
    default:
      return node.args as ASTNode[];
  }
}
