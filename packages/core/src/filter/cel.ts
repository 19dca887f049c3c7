import { type ASTNode, Environment, type ParseResult } from '@marcbachmann/cel-js';
import { type CelClosure, compileCelClosure, compileCelConjunction, DEFER } from './cel-closure.ts';
import { checkCelCost } from './cel-cost.ts';
import { invalidFilter, positionAt } from './errors.ts';
import { celActivationOf, EventFilterInput } from './input.ts';
import { ERROR, FAIL, type FilterNode, type Outcome, PASS } from './node.ts';
import { compilePattern, matchesMethodOffset, re2Matches, registerLiteralPattern } from './regex.ts';
import type { FilterInput } from './types.ts';

/*
 * The `cel` dialect. An expression sees:
 *   event  a map of the event's attributes by name (`event.type`, `event.source`, extensions such
 *          as `event.partitionkey`), `event.time` as a timestamp, `event.data` as the parsed data
 *          when the content type is JSON;
 *   ce     the same map, under the name of Knative's CEL filter proposal (`ce.type`);
 *   data   the parsed data, as in that proposal (`data.user.id`).
 * Bare attribute names (`type == 'x'`) are not variables: `type` is a CEL built-in, and Knative's
 * CEL filter proposal (docs/proposals "Advanced Filtering for Triggers") put attributes under `ce`.
 *
 * A tenant's expression runs on the dispatcher's only thread, so compiling enforces guards:
 *   - at most MAX_EXPRESSION_LENGTH characters, 1000 AST nodes, nesting depth 32, and small
 *     list/map literals (the library's parse-time limits; it has no evaluation cost limit);
 *   - `matches` runs on RE2 (linear time, see regex.ts), with literal patterns checked here;
 *   - the iterating macros (all, exists, exists_one, map, filter) cannot nest, and their bodies may
 *     use only their own variables, literals, and event attributes compared with == or !=. So a
 *     body's cost is bounded by the element it looks at, and an expression costs time linear in
 *     the event's size: `items.exists(i, i in items)` would be quadratic, and is rejected.
 *
 * Expressions of the common shapes (comparisons of attributes and data fields with literals,
 * `&&`, `||`, `!`, `has()`, ...) also compile to plain closures (cel-closure.ts) that give cel-js's
 * verdict without its interpreter; cel-js evaluates everything else, and whatever a closure
 * cannot decide exactly.
 */

export const MAX_EXPRESSION_LENGTH = 4096;
/** Parse-time limits of every CEL expression: trigger filters and source mappings alike. */
export const CEL_LIMITS = {
  maxAstNodes: 1000,
  maxDepth: 32,
  maxListElements: 256,
  maxMapEntries: 256,
  maxCallArguments: 16,
};

const ITERATING_MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

// The library's own `matches` uses a backtracking RegExp and cannot be replaced, so compiled
// expressions call this method instead. Same length as "matches", so source offsets do not move.
const RE2_METHOD = 're2Find';

// Building an environment is expensive: one for the process, shared by every trigger.
const environment = new Environment({
  enableOptionalTypes: true,
  homogeneousAggregateLiterals: false,
  limits: CEL_LIMITS,
})
  .registerVariable('event', 'map', { description: 'The event: attributes by name, time, data' })
  .registerVariable('ce', 'map', { description: 'Alias of event' })
  .registerVariable('data', 'dyn', { description: 'The parsed JSON data' })
  .registerFunction(`string.${RE2_METHOD}(string): bool`, (text: string, pattern: string) =>
    meteredMatch(text, pattern),
  )
  .registerFunction('matches(string, string): bool', (text: string, pattern: string) =>
    meteredMatch(text, pattern),
  );

/*
 * The budget of one cel-js evaluation. The cost estimate (cel-cost.ts) rejects what is costly in
 * the worst case; this backs it up at run time for whatever the model gets wrong. cel-js has no
 * such limit, but every node it evaluates, at any depth, in macros, cel.bind and the
 * short-circuiting operators alike, goes through one method of its evaluator, `run(ast, ctx)`:
 * wrapping that one method (rather than each node's `evaluate`, which cel-js replaces lazily, or
 * each overload) counts everything, including nodes macros create. Each node costs one unit, and
 * each string or list it produces its size (a tenth per character, one per element), as cel-go
 * counts. When the budget is spent, every further node throws, so no `||` or `exists` that
 * absorbs errors can carry on; the evaluation is an error (no match, counted by the dispatcher).
 * The closures (cel-closure.ts) do not go through cel-js and pay nothing.
 *
 * 100,000 units is 1.5 to 2 ms of cel-js (15 to 19 ns per unit, measured on `exists` and `map`
 * over data), 5 ms at worst for `matches` (below): what one evaluation may take from every other
 * trigger of the process. Kubernetes allows 1,000,000 per call (~0.1 s of cel-go) for an admission
 * check; a broker evaluates its filters for every event. Realistic filters stay well within it: a
 * macro over a list costs about 10 units per element (`items.map(i, i.sku).exists(s, ...)` over
 * 1,000 items: 11,000), and the estimate limits a 1 KiB event to far less (cel-cost.ts smallEvent).
 */
export const DEFAULT_CEL_EVALUATION_BUDGET = 100_000;
let evaluationBudget = DEFAULT_CEL_EVALUATION_BUDGET;

/** Set the cost budget of one cel-js evaluation (units as above); returns the previous budget. */
export function setCelEvaluationBudget(units: number): number {
  const previous = evaluationBudget;
  evaluationBudget = units;
  return previous;
}

/** Units left in the current evaluation; Infinity outside of one. */
let remaining = Number.POSITIVE_INFINITY;

class BudgetExceeded extends Error {
  constructor() {
    super('cost budget exceeded');
  }
}

// One instance, thrown every time: once the budget is spent, every node throws, and a macro that
// absorbs errors (`all`, `exists`) would otherwise build an Error, stack trace and all, for each
// element left (a second for 500,000 elements, where the whole evaluation takes 30 ms).
const BUDGET_EXCEEDED = new BudgetExceeded();

interface CelEvaluator {
  run(ast: ASTNode, ctx: unknown): unknown;
}

interface Comprehension {
  condition?: (accu: unknown) => boolean;
}

/**
 * `all` and `exists` go on after an element's error (CEL's commutative error semantics), so once
 * the budget is spent they would still try every element left. Their loop condition, checked
 * before each element, also says stop then (runMetered turns whatever they return into the error).
 * Macros are evaluated through their expansion, not through `run`, so this walks the program once,
 * when it is compiled, expansions included.
 */
function stopQuantifiersWhenSpent(root: ASTNode): void {
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    const node = value as { op?: unknown; args?: unknown; meta?: { alternate?: unknown; macro?: object } };
    if (typeof node.op !== 'string') return;
    if (node.op === 'comprehension') {
      const args = node.args as Comprehension & { iterable: unknown; init: unknown; step: unknown };
      const condition = args.condition;
      if (condition !== undefined) args.condition = (accu) => remaining >= 0 && condition(accu);
      visit([args.iterable, args.init, args.step]);
    } else {
      visit(node.args);
    }
    visit(node.meta?.alternate);
    if (node.meta?.macro !== undefined) visit(Object.values(node.meta.macro));
  };
  visit(root);
}

function meterEvaluator(): void {
  let evaluator: CelEvaluator | undefined;
  const probe = environment.parse('true');
  (probe.ast as unknown as { evaluate: (ev: CelEvaluator) => boolean }).evaluate = (ev) => {
    evaluator = ev;
    return true;
  };
  probe({});
  if (evaluator === undefined) throw new Error('cel-js: cannot reach the evaluator to meter it');
  evaluator.run = function run(this: CelEvaluator, ast: ASTNode, ctx: unknown): unknown {
    if (--remaining < 0) throw BUDGET_EXCEEDED;
    const value = (
      ast as unknown as { evaluate(ev: CelEvaluator, ast: ASTNode, ctx: unknown): unknown }
    ).evaluate(this, ast, ctx);
    if (typeof value === 'string') remaining -= value.length * 0.1;
    else if (Array.isArray(value) && value !== (ctx as { accuValue?: unknown }).accuValue) {
      // Not the list a `map` or `filter` is building: each step hands it on, one element longer,
      // and charging it every time would make a linear macro cost quadratically.
      remaining -= value.length;
    }
    return value;
  };
}
meterEvaluator();

/*
 * `matches` is one node for the meter, but its cost is the text's length times the size of the RE2
 * program: RE2JS's DFA is fast, but patterns such as `(a|b)*a(a|b){40}` overflow its cache and it
 * falls back to simulating the program, which visits every instruction for every character
 * (~50 ns per character and instruction: 100 ms for a 20 KB field). So a match is charged that
 * product, one unit per character and instruction, before it runs.
 */
const PROGRAM_SIZE_CACHE = 4096;
const programSizes = new Map<string, number>();

function programSizeOf(pattern: string): number {
  let size = programSizes.get(pattern);
  if (size === undefined) {
    try {
      size = compilePattern(pattern).programSize();
    } catch {
      return 0; // re2Matches throws the pattern's error
    }
    if (programSizes.size >= PROGRAM_SIZE_CACHE) programSizes.clear();
    programSizes.set(pattern, size);
  }
  return size;
}

function meteredMatch(text: string, pattern: string): boolean {
  if (remaining !== Number.POSITIVE_INFINITY) {
    remaining -= (text.length + 1) * programSizeOf(pattern);
    if (remaining < 0) throw BUDGET_EXCEEDED;
  }
  return re2Matches(text, pattern);
}

/** Runs `program` within the budget: its value, or throws (BudgetExceeded when it was spent). */
function runMetered(program: ParseResult, input: FilterInput): unknown {
  remaining = evaluationBudget;
  try {
    const value = program(celActivationOf(input));
    if (remaining < 0) throw BUDGET_EXCEEDED;
    return value;
  } finally {
    remaining = Number.POSITIVE_INFINITY;
  }
}

interface CelErrorLike {
  summary?: string;
  message: string;
  range?: { start: number; end: number };
}

function summaryOf(error: unknown): string {
  if (error instanceof Error) {
    const e = error as CelErrorLike;
    return (e.summary ?? e.message.split('\n')[0] ?? '').replaceAll(RE2_METHOD, 'matches');
  }
  return String(error);
}

export class CelNode implements FilterNode {
  readonly label: string;
  readonly needsData: boolean;
  readonly #program: ParseResult;
  readonly #required: ReadonlyMap<string, string>;
  /** The expression as a closure (cel-closure.ts), when it has one of the shapes covered there. */
  readonly #closure: CelClosure | undefined;
  /** The parsed expression, for `residualGiven`. */
  readonly #ast: ASTNode | undefined;

  constructor(
    label: string,
    program: ParseResult,
    needsData: boolean,
    required: ReadonlyMap<string, string>,
    closure?: CelClosure,
    ast?: ASTNode,
  ) {
    this.label = label;
    this.#program = program;
    this.needsData = needsData;
    this.#required = required;
    this.#closure = closure;
    this.#ast = ast;
  }

  /**
   * This filter for events whose attribute `name` is `value` (the trigger index looks the trigger
   * up by it): the top-level `event.<name> == '<value>'` terms are true then, and `true && x` has
   * the verdict of `x` (cel-js's `&&` is true only when both sides are, false when either is, and
   * an error otherwise, in any order). null when nothing else is left (the filter passes), a node
   * whose closure skips those terms, or undefined when no term can be skipped or there is no
   * closure. Where the closure defers, cel-js evaluates the whole expression, as ever.
   */
  residualGiven(name: string, value: string): CelNode | null | undefined {
    if (this.#closure === undefined || this.#ast === undefined || this.#required.get(name) !== value) {
      return undefined;
    }
    const terms: ASTNode[] = [];
    conjunction(this.#ast, terms);
    const rest = terms.filter((term) => !isRequiredEquality(term, name, value));
    if (rest.length === terms.length) return undefined;
    if (rest.length === 0) return null;
    const closure = compileCelConjunction(rest);
    if (closure === undefined) return undefined;
    return new CelNode(this.label, this.#program, this.needsData, this.#required, closure);
  }

  /** True when evaluation runs a compiled closure, falling back to cel-js only when it defers. */
  get compiled(): boolean {
    return this.#closure !== undefined;
  }

  /**
   * The value `attribute` must have for the expression to be true, when the expression is a
   * conjunction with a term `event.<attribute> == '<literal>'` (or `ce.…`, either side): so the
   * trigger index can file a CEL-only trigger under its type and skip it for every other type.
   */
  exactValueOf(attribute: string): string | undefined {
    return this.#required.get(attribute);
  }

  /** Every `event.<attribute> == '<literal>'` term of the top-level conjunction. */
  exactEntries(): Array<[string, string]> {
    return [...this.#required];
  }

  evaluate(input: FilterInput): Outcome {
    // The closure reads the event through createFilterInput's input, whose data is JSON.parse's.
    if (this.#closure !== undefined && input instanceof EventFilterInput) {
      let result: unknown;
      try {
        result = this.#closure(input);
      } catch {
        // Reading the event may throw (EY_DATA_LIMIT for data nested too deep): an error.
        return ERROR;
      }
      if (result === true) return PASS;
      if (result === false) return FAIL;
      if (result !== DEFER) return ERROR;
    }
    return this.evaluateWithLibrary(input);
  }

  /** The closure's verdict, or undefined when it has none or defers to cel-js (for tests). */
  evaluateCompiled(input: FilterInput): Outcome | undefined {
    if (this.#closure === undefined) return undefined;
    let result: unknown;
    try {
      result = this.#closure(input);
    } catch {
      return ERROR;
    }
    return result === true ? PASS : result === false ? FAIL : result === DEFER ? undefined : ERROR;
  }

  /** The verdict of cel-js itself, the reference the closures are equivalent to. */
  evaluateWithLibrary(input: FilterInput): Outcome {
    let result: unknown;
    try {
      result = runMetered(this.#program, input);
    } catch {
      return ERROR;
    }
    return result === true ? PASS : result === false ? FAIL : ERROR;
  }

  explain(input: FilterInput): string {
    let result: unknown;
    try {
      result = runMetered(this.#program, input);
    } catch (error) {
      if (error instanceof BudgetExceeded) {
        return `${this.label} (cel): cost budget exceeded (${evaluationBudget} units), evaluation aborted`;
      }
      return `${this.label} (cel): evaluation error: ${summaryOf(error)}`;
    }
    if (result === false) return `${this.label} (cel): evaluated to false`;
    if (result === true) return `${this.label}: matched`;
    return `${this.label} (cel): evaluated to ${typeof result} instead of a bool`;
  }
}

/** Compile the `cel` dialect at `label` (`filters[1]`), whose JSON pointer is `path`. */
export function compileCel(expression: unknown, label: string, path: string): FilterNode {
  const where = `${label}.cel`;
  if (typeof expression !== 'string') throw invalidFilter(`${where} must be a string`, path);
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw invalidFilter(
      `${where} is ${expression.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`,
      path,
    );
  }
  const fail = (summary: string, offset: number | undefined) => {
    if (offset === undefined) return invalidFilter(`${where}: ${summary}`, path);
    const position = positionAt(expression, offset);
    return invalidFilter(
      `${where}: ${summary} (line ${position.line}, column ${position.column})`,
      path,
      position,
    );
  };

  let parsed: ParseResult;
  try {
    parsed = environment.parse(expression);
  } catch (error) {
    throw fail(summaryOf(error), (error as CelErrorLike).range?.start);
  }
  const analysis = new Analysis(expression, fail);
  analysis.visit(parsed.ast, [], { macro: undefined, locals: new Set(), bodyLocals: new Set() });

  const checked = parsed.check();
  if (!checked.valid) throw fail(summaryOf(checked.error), checked.error?.range?.start);
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    throw fail(`the expression must evaluate to a bool, but it evaluates to ${checked.type}`, undefined);
  }

  const exceeded = checkCelCost(parsed.ast);
  if (exceeded !== undefined) {
    const { dataBytes, attributeBytes } = exceeded.bounds;
    throw fail(
      `the estimated cost of this expression is ${exceeded.estimated}, over the limit of ${exceeded.limit} ` +
        `(for events with ${dataBytes} bytes of data and attributes of ${attributeBytes} bytes): ` +
        'it builds or walks values much larger than the event',
      exceeded.offset,
    );
  }

  let program = parsed;
  if (analysis.matchesAt.length > 0) {
    let source = expression;
    for (const offset of analysis.matchesAt) {
      source = source.slice(0, offset) + RE2_METHOD + source.slice(offset + RE2_METHOD.length);
    }
    program = environment.parse(source);
    program.check();
  }
  const required = new Map<string, string>();
  requiredEqualities(parsed.ast, required);
  const closure = compileCelClosure(parsed.ast);
  stopQuantifiersWhenSpent(program.ast);
  return new CelNode(label, program, analysis.needsData, required, closure, parsed.ast);
}

/**
 * Collects `event.<attr> == '<literal>'` terms of the top-level `&&` chain of `node`. Each one
 * must hold for the whole expression to be true: if it is false, `&&` is false (CEL's `&&` is
 * false as soon as one side is false, even when the other side is an error). A term that appears
 * twice with different values cannot hold; the first is kept, which only means the trigger is
 * filed under a value it would not match either.
 */
function requiredEqualities(node: ASTNode, into: Map<string, string>): void {
  if (node.op === '&&') {
    for (const child of node.args as ASTNode[]) requiredEqualities(child, into);
    return;
  }
  if (node.op !== '==') return;
  const [left, right] = node.args as [ASTNode, ASTNode];
  const attribute = attributeSelected(left) ?? attributeSelected(right);
  const literal = stringLiteral(right) ?? stringLiteral(left);
  // `event.time` is a timestamp and `event.data` the parsed data, not the attribute strings.
  if (attribute === undefined || attribute === 'time' || attribute === 'data') return;
  if (literal !== undefined && !into.has(attribute)) into.set(attribute, literal);
}

/** The terms of the top-level `&&` chain of `node`, left to right. */
function conjunction(node: ASTNode, into: ASTNode[]): void {
  if (node.op === '&&') {
    for (const child of node.args) conjunction(child, into);
  } else into.push(node);
}

/** Whether `node` is a term `requiredEqualities` reads as attribute `name` == `value`. */
function isRequiredEquality(node: ASTNode, name: string, value: string): boolean {
  if (node.op !== '==') return false;
  const [left, right] = node.args;
  const attribute = attributeSelected(left) ?? attributeSelected(right);
  const literal = stringLiteral(right) ?? stringLiteral(left);
  return attribute === name && literal === value;
}

/** `event.type`, `ce.type` or `event['type']` (not the optional forms): the attribute's name. */
function attributeSelected(node: ASTNode): string | undefined {
  if (node.op === '.') {
    const [target, field] = node.args as [ASTNode, string];
    return target.op === 'id' && (target.args === 'event' || target.args === 'ce') ? field : undefined;
  }
  if (node.op === '[]') {
    const [target, key] = node.args as [ASTNode, ASTNode];
    if (target.op !== 'id' || (target.args !== 'event' && target.args !== 'ce')) return undefined;
    return stringLiteral(key);
  }
  return undefined;
}

function stringLiteral(node: ASTNode): string | undefined {
  return node.op === 'value' && typeof node.args === 'string' ? node.args : undefined;
}

interface Scope {
  /** The iterating macro whose body this is, if any. */
  macro: string | undefined;
  /** Names bound by enclosing macros and cel.bind (they shadow event, ce and data). */
  locals: ReadonlySet<string>;
  /** Names bound inside the macro body: the only variables it may use freely. */
  bodyLocals: ReadonlySet<string>;
}

type Fail = (summary: string, offset: number | undefined) => Error;

/** One pass over the AST: guards, `matches` call sites, and whether `data` is read. */
class Analysis {
  needsData = false;
  readonly matchesAt: number[] = [];
  readonly #source: string;
  readonly #fail: Fail;

  constructor(source: string, fail: Fail) {
    this.#source = source;
    this.#fail = fail;
  }

  visit(node: ASTNode, ancestors: ASTNode[], scope: Scope): void {
    const inner = [...ancestors, node];
    switch (node.op) {
      case 'value':
        return;
      case 'id':
        this.#identifier(node.args, node, ancestors, scope);
        return;
      case '.':
      case '.?':
        this.visit(node.args[0], inner, scope);
        return;
      case 'call': {
        const [name, args] = node.args;
        if (name === 'matches' && args.length === 2) this.#literalPattern(args[1] as ASTNode);
        for (const arg of args) this.visit(arg, inner, scope);
        return;
      }
      case 'rcall':
        this.#methodCall(node, inner, scope);
        return;
      case 'map':
        for (const [key, value] of node.args) {
          this.visit(key, inner, scope);
          this.visit(value, inner, scope);
        }
        return;
      case '!_':
      case '-_':
        this.visit(node.args, inner, scope);
        return;
      default:
        // Binary operators, ternary, index, list: an array of operand nodes.
        for (const child of node.args as ASTNode[]) this.visit(child, inner, scope);
    }
  }

  #methodCall(node: ASTNode & { op: 'rcall' }, inner: ASTNode[], scope: Scope): void {
    const [name, receiver, args] = node.args;
    const first = args[0];
    if (ITERATING_MACROS.has(name) && args.length >= 2 && first?.op === 'id') {
      this.visit(receiver, inner, scope);
      if (scope.macro !== undefined) {
        throw this.#fail(
          `${name}() inside ${scope.macro}() is not allowed: nested macros take time quadratic in the event's size`,
          node.range.start,
        );
      }
      const body: Scope = {
        macro: name,
        locals: new Set([...scope.locals, first.args]),
        bodyLocals: new Set([first.args]),
      };
      for (const arg of args.slice(1)) this.visit(arg, inner, body);
      return;
    }
    if (
      name === 'bind' &&
      receiver.op === 'id' &&
      receiver.args === 'cel' &&
      args.length === 3 &&
      first?.op === 'id'
    ) {
      this.visit(args[1] as ASTNode, inner, scope);
      const body: Scope = {
        macro: scope.macro,
        locals: new Set([...scope.locals, first.args]),
        bodyLocals: scope.macro === undefined ? scope.bodyLocals : new Set([...scope.bodyLocals, first.args]),
      };
      this.visit(args[2] as ASTNode, inner, body);
      return;
    }
    if (name === 'matches' && args.length === 1) {
      this.#literalPattern(first as ASTNode);
      this.matchesAt.push(this.#methodNameOffset(receiver.range.end, node));
    }
    this.visit(receiver, inner, scope);
    for (const arg of args) this.visit(arg, inner, scope);
  }

  #identifier(name: string, node: ASTNode, ancestors: ASTNode[], scope: Scope): void {
    const parent = ancestors.at(-1);
    if (
      scope.macro !== undefined &&
      !scope.bodyLocals.has(name) &&
      name !== 'cel' &&
      !isComparedAttribute(name, node, ancestors)
    ) {
      throw this.#fail(
        `inside ${scope.macro}(), only the macro's own variables, literals, and event attributes compared ` +
          `with == or != may be used, not '${name}${parent && isSelect(parent) ? `.${parent.args[1]}` : ''}'; ` +
          'test it outside the macro',
        node.range.start,
      );
    }
    if (scope.locals.has(name)) return;
    if (name === 'data') this.needsData = true;
    else if (name === 'event' || name === 'ce') {
      const field = selectedField(node, parent);
      if (field === undefined || field === 'data') this.needsData = true;
    }
  }

  #literalPattern(node: ASTNode): void {
    if (node.op !== 'value' || typeof node.args !== 'string') return;
    try {
      registerLiteralPattern(node.args);
    } catch (error) {
      throw this.#fail(`invalid regular expression: ${(error as Error).message}`, node.range.start);
    }
  }

  #methodNameOffset(from: number, node: ASTNode): number {
    const offset = matchesMethodOffset(this.#source, from, node.range.end);
    if (offset === -1) throw this.#fail('cannot locate this matches() call', node.range.start);
    return offset;
  }
}

function isSelect(node: ASTNode): node is ASTNode & { op: '.' | '.?' } {
  return node.op === '.' || node.op === '.?';
}

/** The field a variable is immediately selected with (`event.type`, `event['type']`), if constant. */
function selectedField(node: ASTNode, parent: ASTNode | undefined): string | undefined {
  if (parent === undefined) return undefined;
  if (isSelect(parent)) return parent.args[1];
  if ((parent.op === '[]' || parent.op === '[?]') && parent.args[0] === node) {
    const key = parent.args[1];
    if (key.op === 'value' && typeof key.args === 'string') return key.args;
  }
  return undefined;
}

/** `event.subject == i.owner`: an attribute (never `data`) that is an operand of == or !=. */
function isComparedAttribute(name: string, node: ASTNode, ancestors: ASTNode[]): boolean {
  if (name !== 'event' && name !== 'ce') return false;
  const parent = ancestors.at(-1);
  const field = selectedField(node, parent);
  const comparison = ancestors.at(-2);
  return (
    field !== undefined &&
    field !== 'data' &&
    comparison !== undefined &&
    (comparison.op === '==' || comparison.op === '!=')
  );
}
