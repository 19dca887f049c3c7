import type { CloudEvent } from '../types.ts';

/**
 * The view of an event that filters evaluate. `data` is parsed lazily and at most once, and only
 * when a filter needs it (CEL over `event.data`).
 */
export interface FilterInput {
  readonly event: CloudEvent;
}

export type FilterResult = 'match' | 'no-match' | 'error';

/** A trigger's filter, compiled once when the trigger loads. */
export interface CompiledFilter {
  /** True when evaluating needs the parsed data (some CEL expression reads `event.data`). */
  readonly needsData: boolean;
  /**
   * Exact constraints on `type` / `source` that every matching event must satisfy, used by the
   * trigger index to skip this filter by hash lookup. Undefined when there is none.
   */
  readonly exactType: string | undefined;
  readonly exactSource: string | undefined;
  evaluate(input: FilterInput): FilterResult;
  /** For `eventyard match`: a human-readable reason why `input` does not match, or undefined. */
  explain(input: FilterInput): string | undefined;
}
