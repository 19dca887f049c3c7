import type { SubscriptionsApiFilter, TriggerSpec } from '../resources/types.ts';
import { type AttributeDialect, AttributeMatchNode } from './attribute-match.ts';
import { CelNode, compileCel } from './cel.ts';
import { CesqlFilterNode, compileCesql } from './cesql/compile.ts';
import { invalidFilter } from './errors.ts';
import { AllNode, AnyNode, NoFilterNode, NotNode } from './logic.ts';
import { ERROR, FAIL, type FilterNode } from './node.ts';
import type { CompiledFilter, FilterInput, FilterResult } from './types.ts';

/*
 * Compiles a Trigger's filter once, when the Trigger loads (Knative pkg/broker/filter
 * filter_handler.go `filterEvent`): non-empty `filters` win over `filter`; no filter at all lets
 * every event through. Validation follows Knative's webhook (pkg/apis/eventing/v1
 * trigger_validation.go) and turns what Knative would skip at run time (an empty `exact` value,
 * an unparsable expression) into an error a user sees when the Trigger loads. Two deliberate
 * supersets: `exact`/`prefix`/`suffix` accept several attributes (all must match), and besides
 * Knative's `cesql` (CloudEvents SQL v1, also under its pre-1.15 name `sql`) there is `cel`.
 */

const DIALECTS = ['exact', 'prefix', 'suffix', 'all', 'any', 'not', 'cel', 'cesql', 'sql'] as const;
type Dialect = (typeof DIALECTS)[number];
const DIALECT_SET: ReadonlySet<string> = new Set(DIALECTS);

/** Knative's rule for attribute names (CloudEvents 1.0.2 §3.1.1: lowercase letters and digits). */
const ATTRIBUTE_NAME = /^[a-z][a-z0-9]*$/;

function pointerSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a dialect field is set, as Knative's `MaterializeSubscriptionsAPIFilter` decides. */
function isSet(dialect: Dialect, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  switch (dialect) {
    case 'exact':
    case 'prefix':
    case 'suffix':
      return isPlainObject(value) ? Object.keys(value).length > 0 : true;
    case 'all':
    case 'any':
      return Array.isArray(value) ? value.length > 0 : true;
    case 'cel':
    case 'cesql':
    case 'sql':
      // Knative's NewCESQLFilter: an empty expression is NoFilter.
      return value !== '';
    case 'not':
      return true;
  }
}

function compileAttributes(
  label: string,
  path: string,
  dialect: AttributeDialect,
  value: unknown,
  allowEmptyValues: boolean,
): AttributeMatchNode {
  const where = dialect === 'attributes' ? `${label}.attributes` : `${label}.${dialect}`;
  if (!isPlainObject(value)) throw invalidFilter(`${where} must be a map of attribute names to values`, path);
  const entries: Array<[string, string]> = [];
  for (const [name, expected] of Object.entries(value)) {
    const at = `${path}/${pointerSegment(name)}`;
    if (!ATTRIBUTE_NAME.test(name)) {
      throw invalidFilter(
        name === ''
          ? `${where} has an empty attribute name`
          : `${where}: '${name}' is not a valid attribute name: use lowercase letters and digits, starting with a letter`,
        at,
      );
    }
    if (typeof expected !== 'string') throw invalidFilter(`${where}.${name} must be a string`, at);
    if (expected === '' && !allowEmptyValues) {
      throw invalidFilter(`${where}.${name} is empty: give the value to compare the attribute with`, at);
    }
    entries.push([name, expected]);
  }
  return new AttributeMatchNode(label, dialect, entries);
}

/** Compile the filter objects of a list (`filters`, `all`, `any`); objects with no dialect are skipped. */
function compileList(label: string, path: string, list: unknown): FilterNode[] {
  if (!Array.isArray(list)) throw invalidFilter(`${label} must be a list of filters`, path);
  const nodes: FilterNode[] = [];
  list.forEach((item, i) => {
    const node = compileObject(`${label}[${i}]`, `${path}/${i}`, item);
    if (node !== undefined) nodes.push(node);
  });
  return nodes;
}

/** One filter object, or undefined when it sets no dialect (Knative skips it). */
function compileObject(label: string, path: string, filter: unknown): FilterNode | undefined {
  if (!isPlainObject(filter)) throw invalidFilter(`${label} must be a filter object`, path);
  const spec = filter as SubscriptionsApiFilter;
  const set: Dialect[] = [];
  for (const key of Object.keys(spec)) {
    if (!DIALECT_SET.has(key)) {
      throw invalidFilter(
        `${label}: unknown filter dialect '${key}': use one of ${DIALECTS.join(', ')}`,
        `${path}/${pointerSegment(key)}`,
      );
    }
    if (isSet(key as Dialect, spec[key])) set.push(key as Dialect);
  }
  if (set.length > 1) {
    throw invalidFilter(
      `${label} sets ${set.join(' and ')}: a filter object takes exactly one dialect; combine them with all or any`,
      path,
    );
  }
  const dialect = set[0];
  const at = `${path}/${dialect}`;
  switch (dialect) {
    case undefined:
      return undefined;
    case 'exact':
    case 'prefix':
    case 'suffix':
      return compileAttributes(label, at, dialect, spec[dialect], false);
    case 'all':
      return new AllNode(label, compileList(`${label}.all`, at, spec.all));
    case 'any':
      return new AnyNode(label, compileList(`${label}.any`, at, spec.any));
    case 'not':
      return new NotNode(
        label,
        compileObject(`${label}.not`, at, spec.not) ?? new NoFilterNode(`${label}.not`),
      );
    case 'cel':
      return compileCel(spec.cel, label, at);
    case 'cesql':
    case 'sql':
      return compileCesql(spec[dialect], label, at, dialect);
  }
}

/**
 * The exact value that every matching event must have for `attribute`, read from the parts of
 * the filter that must all pass: the top-level list, `all`, and attribute matches and CEL
 * conjunctions (`event.type == '…' && …`) and CESQL ones (`type = '…' AND …`) within them.
 */
function requiredValue(node: FilterNode, attribute: string): string | undefined {
  if (node instanceof AttributeMatchNode || node instanceof CelNode || node instanceof CesqlFilterNode)
    return node.exactValueOf(attribute);
  if (node instanceof AllNode) {
    for (const child of node.children) {
      const value = requiredValue(child, attribute);
      if (value !== undefined) return value;
    }
  }
  return undefined;
}

/** Every exact attribute value the filter requires (see `requiredValue`); the first one found wins. */
function requiredValues(node: FilterNode, into: Map<string, string>): void {
  if (node instanceof AttributeMatchNode || node instanceof CelNode || node instanceof CesqlFilterNode) {
    for (const [name, value] of node.exactEntries()) if (!into.has(name)) into.set(name, value);
  } else if (node instanceof AllNode) {
    for (const child of node.children) requiredValues(child, into);
  }
}

const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();

/**
 * What is left to evaluate of `filter` for events whose attribute `name` is `value`, as the
 * trigger index knows of the events it files a trigger's type or source under: null when nothing
 * is (the filter passes), a node to evaluate, or undefined when nothing can be left out (or the
 * filter was not compiled here).
 *
 * A top-level filter that compares exactly that attribute with that value passes, and so does a
 * CEL term `event.<name> == '<value>'` of a top-level conjunction (see CelNode.residualGiven).
 * Dropping a passing filter from the top-level `all` leaves the same verdict: `all` fails when one
 * filter fails, errs when one errs, and otherwise matches (pass or NoFilter), with or without a
 * passing member. `all` of one filter gives that filter's verdict.
 */
export function residualOf(
  filter: CompiledFilter,
  name: string,
  value: string,
): FilterNode | null | undefined {
  if (!(filter instanceof TriggerFilter)) return undefined;
  const root = filter.root;
  if (root instanceof AttributeMatchNode) return root.satisfiedBy(name, value) ? null : undefined;
  if (!(root instanceof AllNode)) return undefined;
  let changed = false;
  const rest: FilterNode[] = [];
  for (const child of root.children) {
    const residual =
      child instanceof AttributeMatchNode
        ? child.satisfiedBy(name, value)
          ? null
          : undefined
        : child instanceof CelNode
          ? child.residualGiven(name, value)
          : undefined;
    if (residual !== undefined) changed = true;
    if (residual === undefined) rest.push(child);
    else if (residual !== null) rest.push(residual);
  }
  if (rest.length === 0) return null;
  if (rest.length === 1) return rest[0];
  return changed ? new AllNode(root.label, rest) : undefined;
}

class TriggerFilter implements CompiledFilter {
  readonly needsData: boolean;
  readonly exactType: string | undefined;
  readonly exactSource: string | undefined;
  readonly exactAttributes: ReadonlyMap<string, string>;
  /** The compiled filter objects (read by `residualOf`). */
  readonly root: FilterNode;

  constructor(root: FilterNode) {
    this.root = root;
    this.needsData = root.needsData;
    this.exactType = requiredValue(root, 'type');
    this.exactSource = requiredValue(root, 'source');
    const attributes = new Map<string, string>();
    requiredValues(root, attributes);
    this.exactAttributes = attributes.size === 0 ? NO_ATTRIBUTES : attributes;
  }

  evaluate(input: FilterInput): FilterResult {
    // Evaluation never throws (CompiledFilter): whatever a node throws is this trigger's error.
    try {
      const outcome = this.root.evaluate(input);
      return outcome === FAIL ? 'no-match' : outcome === ERROR ? 'error' : 'match';
    } catch {
      return 'error';
    }
  }

  explain(input: FilterInput): string | undefined {
    try {
      const outcome = this.root.evaluate(input);
      return outcome === FAIL || outcome === ERROR ? this.root.explain(input) : undefined;
    } catch (error) {
      return `${this.root.label}: evaluation failed: ${(error as Error).message}`;
    }
  }
}

/**
 * Compile a Trigger's `filter` / `filters` into a filter evaluated per event. Throws
 * `EventyardError('EY_INVALID_FILTER')` with `details.path` (a JSON pointer such as
 * `/spec/filters/1/cel`) and, for CEL and CESQL, `details.position` ({ line, column, offset }).
 */
export function compileTriggerFilter(spec: Pick<TriggerSpec, 'filter' | 'filters'>): CompiledFilter {
  const filters: unknown = spec.filters;
  if (filters !== undefined && filters !== null && (!Array.isArray(filters) || filters.length > 0)) {
    return new TriggerFilter(new AllNode('filters', compileList('filters', '/spec/filters', filters)));
  }
  const filter: unknown = spec.filter;
  if (filter === undefined || filter === null) return new TriggerFilter(new NoFilterNode('filter'));
  if (!isPlainObject(filter)) throw invalidFilter('filter must be an object with attributes', '/spec/filter');
  const attributes = filter.attributes;
  if (attributes === undefined || attributes === null) return new TriggerFilter(new NoFilterNode('filter'));
  return new TriggerFilter(
    compileAttributes('filter', '/spec/filter/attributes', 'attributes', attributes, true),
  );
}
