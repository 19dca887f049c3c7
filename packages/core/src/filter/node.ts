import type { FilterInput } from './types.ts';

/*
 * Knative evaluates filters to one of three results (knative.dev/eventing pkg/eventfilter):
 * PassFilter, FailFilter and NoFilter (an empty or skipped filter). The broker delivers unless the
 * result is FailFilter, and NoFilter survives `not`. We keep all three and add ERROR, a CEL
 * evaluation error, which behaves like CEL's own error value: `any` lets a pass win over it, `all`
 * lets a fail win over it, `not` keeps it, and at the top it means "no match, counted".
 */
export const PASS = 0;
export const FAIL = 1;
export const NONE = 2;
export const ERROR = 3;
export type Outcome = typeof PASS | typeof FAIL | typeof NONE | typeof ERROR;

/** One compiled filter object (a dialect) of a trigger. */
export interface FilterNode {
  /** Where it sits in the Trigger, for messages: `filters[1]`, `filters[0].all[2]`, `filter.attributes`. */
  readonly label: string;
  readonly needsData: boolean;
  evaluate(input: FilterInput): Outcome;
  /** Why `evaluate` gave FAIL or ERROR for `input`; only called then. */
  explain(input: FilterInput): string;
}

/** Quote a value for a message, shortened so a huge attribute cannot flood a status line. */
export function quote(value: string): string {
  const shown = value.length > 120 ? `${value.slice(0, 120)}...` : value;
  return `'${shown}'`;
}
