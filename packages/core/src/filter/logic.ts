import { ERROR, FAIL, type FilterNode, NONE, type Outcome, PASS } from './node.ts';
import type { FilterInput } from './types.ts';

/**
 * `all`, `any` and `not`, with Knative's results (pkg/eventfilter/subscriptionsapi all_filter.go,
 * any_filter.go, not_filter.go): an empty `all`/`any` is NoFilter (the event passes), `all` gives
 * the result of its last filter unless one fails, `any` the result of its last filter unless one
 * passes (so `any: [fail, not: {}]` is NoFilter and lets the event through), and `not`
 * swaps pass and fail but keeps NoFilter. Evaluation is in order and short-circuits.
 */

export class AllNode implements FilterNode {
  readonly label: string;
  readonly needsData: boolean;
  readonly children: readonly FilterNode[];

  constructor(label: string, children: FilterNode[]) {
    this.label = label;
    this.children = children;
    this.needsData = children.some((c) => c.needsData);
  }

  evaluate(input: FilterInput): Outcome {
    const children = this.children;
    let result: Outcome = NONE;
    let error = false;
    for (let i = 0; i < children.length; i++) {
      const r = (children[i] as FilterNode).evaluate(input);
      if (r === FAIL) return FAIL;
      if (r === ERROR) error = true;
      else result = r;
    }
    return error ? ERROR : result;
  }

  explain(input: FilterInput): string {
    // A failing filter decides the result even after an error, so name it first.
    const failing = this.children.find((c) => c.evaluate(input) === FAIL);
    const erring = failing ?? this.children.find((c) => c.evaluate(input) === ERROR);
    return erring === undefined ? `${this.label}: matched` : erring.explain(input);
  }
}

export class AnyNode implements FilterNode {
  readonly label: string;
  readonly needsData: boolean;
  readonly children: readonly FilterNode[];

  constructor(label: string, children: FilterNode[]) {
    this.label = label;
    this.children = children;
    this.needsData = children.some((c) => c.needsData);
  }

  evaluate(input: FilterInput): Outcome {
    const children = this.children;
    let result: Outcome = NONE;
    let error = false;
    for (let i = 0; i < children.length; i++) {
      const r = (children[i] as FilterNode).evaluate(input);
      if (r === PASS) return PASS;
      if (r === ERROR) error = true;
      // Knative any_filter.go: without a pass, the last filter's result stands, so a trailing
      // NoFilter (`not: {}`) lets the event through and a leading one does not.
      else result = r;
    }
    return error ? ERROR : result;
  }

  explain(input: FilterInput): string {
    const reasons: string[] = [];
    for (const child of this.children) {
      const r = child.evaluate(input);
      if (r === FAIL || r === ERROR) reasons.push(child.explain(input));
    }
    return `${this.label} (any): no alternative matched: ${reasons.join('; ')}`;
  }
}

export class NotNode implements FilterNode {
  readonly label: string;
  readonly needsData: boolean;
  readonly child: FilterNode;

  constructor(label: string, child: FilterNode) {
    this.label = label;
    this.child = child;
    this.needsData = child.needsData;
  }

  evaluate(input: FilterInput): Outcome {
    const r = this.child.evaluate(input);
    return r === PASS ? FAIL : r === FAIL ? PASS : r;
  }

  explain(input: FilterInput): string {
    const r = this.child.evaluate(input);
    return r === ERROR ? this.child.explain(input) : `${this.label} (not): the negated filter matched`;
  }
}

/** An object with no dialect set: Knative skips it, which lets every event through. */
export class NoFilterNode implements FilterNode {
  readonly label: string;
  readonly needsData = false;

  constructor(label: string) {
    this.label = label;
  }

  evaluate(): Outcome {
    return NONE;
  }

  explain(): string {
    return `${this.label}: matched`;
  }
}
