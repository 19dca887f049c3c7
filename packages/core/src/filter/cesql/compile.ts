import { MAX_EXPRESSION_LENGTH } from '../cel.ts';
import { invalidFilter, positionAt } from '../errors.ts';
import { ERROR, FAIL, type FilterNode, type Outcome, PASS, quote } from '../node.ts';
import type { FilterInput } from '../types.ts';
import type { Scope } from './cast.ts';
import { checkCesqlCost } from './cost.ts';
import { type Closure, compileExpression } from './evaluate.ts';
import { parseCesql } from './parser.ts';
import { type CesqlError, type CesqlNode, CesqlParseError, type CesqlValue } from './types.ts';

/*
 * The `cesql` filter dialect (Knative Eventing's SubscriptionsAPI filters; `sql` before Knative
 * 1.15): a CloudEvents SQL v1 expression, parsed and compiled once when the Trigger loads.
 *
 * CESQL v1 §1.2: an event passes only when the expression is true without errors; an error means
 * no match (Knative pkg/eventfilter/subscriptionsapi cesql_filter.go), which we report as ERROR so
 * the dispatcher counts it. Knative asserts the result is a bool (a panic otherwise); we refuse at
 * load time an expression whose type is known not to be boolean (`1 + 2`, `LOWER(type)`), and for
 * a bare attribute (`mybool`, whose type §3.2 leaves to the event) cast the value to Boolean as
 * the Kafka broker does (eventing-kafka-broker SqlFilter): "true"/"false" in any case, else ERROR.
 */

const NO_ATTRIBUTES: Record<string, string> = {};

/** The top-level AND terms of `node` (AND is right-associative, so the chain nests to the right). */
function conjuncts(node: CesqlNode, into: CesqlNode[]): void {
  if (node.kind === 'binary' && node.operator === 'AND') {
    conjuncts(node.left, into);
    conjuncts(node.right, into);
  } else {
    into.push(node);
  }
}

/** Attributes every valid event has (CloudEvents 1.0.2 §"Required Attributes"). */
const REQUIRED_ATTRIBUTES: ReadonlySet<string> = new Set(['specversion', 'id', 'source', 'type']);

/**
 * `<attribute> = '<string>'` (either side) terms leading the top-level AND chain: every matching
 * event has that value (string = string compares exactly, §3.4.2), so the trigger index may file
 * the trigger under it. Only the leading run, and only up to the first optional attribute, so
 * that skipping an event whose value differs gives what evaluation gives, errors included: AND
 * stops at the first false term (§3.4.2), and every term before it is an equality on an
 * attribute the event has (the index promises nothing for an event that lacks one).
 */
function requiredValues(root: CesqlNode): Map<string, string> {
  const terms: CesqlNode[] = [];
  conjuncts(root, terms);
  const required = new Map<string, string>();
  for (const term of terms) {
    if (term.kind !== 'binary' || term.operator !== '=') break;
    const { left, right } = term;
    const [attribute, literal] = left.kind === 'attribute' ? [left, right] : [right, left];
    if (attribute.kind !== 'attribute' || literal.kind !== 'literal' || typeof literal.value !== 'string')
      break;
    if (!required.has(attribute.name)) required.set(attribute.name, literal.value);
    if (!REQUIRED_ATTRIBUTES.has(attribute.name)) break;
  }
  return required;
}

export class CesqlFilterNode implements FilterNode {
  readonly label: string;
  readonly needsData = false;
  /** `cesql` or `sql`, as the Trigger spells it. */
  readonly dialect: string;
  readonly #source: string;
  readonly #run: Closure;
  readonly #required: ReadonlyMap<string, string>;
  /** Reused by every evaluation (synchronous), so a match allocates nothing. */
  readonly #scope: Scope = { attributes: NO_ATTRIBUTES, errors: [] };

  constructor(
    label: string,
    dialect: string,
    source: string,
    run: Closure,
    required: ReadonlyMap<string, string>,
  ) {
    this.label = label;
    this.dialect = dialect;
    this.#source = source;
    this.#run = run;
    this.#required = required;
  }

  /** The value `attribute` must have: a top-level `attribute = '<literal>'` AND term. */
  exactValueOf(attribute: string): string | undefined {
    return this.#required.get(attribute);
  }

  exactEntries(): Array<[string, string]> {
    return [...this.#required];
  }

  #evaluate(input: FilterInput): { value: CesqlValue; error: CesqlError | undefined } {
    const scope = this.#scope;
    scope.attributes = input.event.attributes;
    scope.errors.length = 0;
    try {
      const value = this.#run(scope);
      return { value, error: scope.errors[0] };
    } finally {
      scope.attributes = NO_ATTRIBUTES;
    }
  }

  evaluate(input: FilterInput): Outcome {
    const scope = this.#scope;
    scope.attributes = input.event.attributes;
    scope.errors.length = 0;
    const value = this.#run(scope);
    scope.attributes = NO_ATTRIBUTES;
    if (scope.errors.length > 0) return ERROR;
    if (value === true) return PASS;
    if (value === false) return FAIL;
    if (typeof value === 'string') {
      const lower = value.toLowerCase();
      if (lower === 'true') return PASS;
      if (lower === 'false') return FAIL;
    }
    return ERROR;
  }

  explain(input: FilterInput): string {
    const where = `${this.label} (${this.dialect})`;
    const { value, error } = this.#evaluate(input);
    if (error !== undefined) {
      const { line, column } = positionAt(this.#source, error.offset);
      return `${where}: evaluation error (${error.kind}): ${error.message} (line ${line}, column ${column})`;
    }
    if (value === true) return `${this.label}: matched`;
    if (value === false) return `${where}: evaluated to false`;
    if (typeof value === 'string') {
      const lower = value.toLowerCase();
      if (lower === 'true') return `${this.label}: matched`;
      if (lower === 'false') return `${where}: evaluated to false`;
      return `${where}: evaluated to the string ${quote(value)}, which is not a boolean`;
    }
    return `${where}: evaluated to the ${typeof value === 'number' ? 'integer' : 'value'} ${String(value)}, not a boolean`;
  }
}

/**
 * Compile `expression` (the value of a `cesql` or `sql` filter at `path`). Throws
 * `EY_INVALID_FILTER` with the message and, for a parse error, `details.position`.
 */
export function compileCesql(
  expression: unknown,
  label: string,
  path: string,
  dialect: string,
): CesqlFilterNode {
  const where = `${label}.${dialect}`;
  if (typeof expression !== 'string') throw invalidFilter(`${where} must be a string`, path);
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw invalidFilter(
      `${where} is ${expression.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`,
      path,
    );
  }
  const fail = (summary: string, offset: number) => {
    const position = positionAt(expression, offset);
    return invalidFilter(
      `${where}: ${summary} (line ${position.line}, column ${position.column})`,
      path,
      position,
    );
  };
  let ast: CesqlNode;
  try {
    ast = parseCesql(expression);
  } catch (error) {
    if (error instanceof CesqlParseError) throw fail(`parse error: ${error.message}`, error.offset);
    throw error;
  }
  const compiled = compileExpression(ast);
  // §3.3: what can be checked before any event is, is checked when the Trigger loads.
  const missing = compiled.staticErrors[0];
  if (missing !== undefined) throw fail(missing.message, missing.offset);
  if (compiled.type === 'integer' || compiled.type === 'string') {
    throw fail(
      `the expression must evaluate to a boolean, but it evaluates to ${compiled.type === 'integer' ? 'an integer' : 'a string'}`,
      0,
    );
  }
  const exceeded = checkCesqlCost(ast);
  if (exceeded !== undefined) {
    throw fail(
      `the estimated cost of this expression is ${exceeded.estimated}, over the limit of ${exceeded.limit} ` +
        `(for events with attributes of ${exceeded.attributeBytes} bytes): it reads the attributes too many ` +
        'times (LIKE patterns mixing % and _, string functions); the costliest part starts here',
      exceeded.offset,
    );
  }
  return new CesqlFilterNode(label, dialect, expression, compiled.run, requiredValues(ast));
}
