import type { CloudEvent } from '../types.ts';

/**
 * The view of one event that every trigger's filter evaluates. Build it once per event with
 * `createFilterInput(event)` and hand the same object to every filter (or to `TriggerIndex.match`):
 * the JSON `data` and the `time` attribute are parsed lazily, at most once per event, and only when a
 * filter reads them, however many triggers do.
 */
export interface FilterInput {
  readonly event: CloudEvent;
  /**
   * The event's data parsed as JSON, parsed on the first call and cached. `undefined` when the event
   * has no data, its content type is not JSON (JSON is: no `datacontenttype`, `application/json`,
   * `text/json`, or any `+json` suffix), or the bytes are not valid JSON. Throws `EY_DATA_LIMIT` when
   * the data is too large or too deeply nested to parse (input.ts `FILTER_DATA_LIMITS`): the
   * filter's evaluation is then an error.
   */
  data(): unknown;
  /** True once `data()` has parsed the data (or found there was nothing to parse). */
  readonly dataParsed: boolean;
  /** The `time` attribute as a Date, parsed on the first call; undefined when absent or invalid. */
  time(): Date | undefined;
}

/**
 * `match`: deliver. `no-match`: skip. `error`: a CEL expression could not be evaluated (missing field,
 * wrong type, ...): skip like `no-match`, and count it.
 */
export type FilterResult = 'match' | 'no-match' | 'error';

/** A trigger's filter, compiled once when the trigger loads. Evaluation never throws. */
export interface CompiledFilter {
  /** True when evaluating may read the parsed data (some CEL expression reads `event.data`). */
  readonly needsData: boolean;
  /**
   * Exact constraints on `type` / `source` that every matching event must satisfy, used by the
   * trigger index to skip this filter by hash lookup. Undefined when there is none.
   */
  readonly exactType: string | undefined;
  readonly exactSource: string | undefined;
  /**
   * Every exact value a matching event must have, by attribute name (`type` and `source` among
   * them), read from `exact` filters and `event.<name> == '<literal>'` CEL conjunctions, so the
   * index can also skip a trigger whose subject or extension differs. It promises nothing for an
   * event that lacks the attribute (a CEL expression may then be an error, which is counted), so
   * such events are still evaluated. Optional: filters built elsewhere may leave it out.
   */
  readonly exactAttributes?: ReadonlyMap<string, string>;
  evaluate(input: FilterInput): FilterResult;
  /**
   * For `eventyard match`: why `input` does not match (the first failing filter, e.g.
   * `filters[1] (cel): evaluated to false`), or undefined when it matches.
   */
  explain(input: FilterInput): string | undefined;
}
