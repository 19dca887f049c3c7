import type { CompiledFilter, FilterInput, FilterResult } from './types.ts';

/** What the index is built from: a value (a trigger, its key, ...) and its compiled filter. */
export interface TriggerIndexEntry<T> {
  value: T;
  filter: CompiledFilter;
}

/** One filter's verdict on one event, for `eventyard match`. */
export interface FilterExplanation<T> {
  value: T;
  result: FilterResult;
  /** Why it does not match (the first failing filter), or undefined when it matches. */
  reason: string | undefined;
}

interface Slot<T> {
  /** Position in the entries the index was built from: results keep that order. */
  readonly seq: number;
  readonly value: T;
  readonly filter: CompiledFilter;
}

const NO_SLOTS: never[] = [];

/**
 * All triggers of a broker, indexed so that matching one event costs a hash lookup plus the
 * filters that can match it. A filter that requires an exact `type` is filed under that type; else
 * one that requires an exact `source` under that source; the rest are evaluated for every event.
 * A trigger filed under another type or source is never evaluated: it costs nothing.
 * Immutable: build a new index when the triggers change.
 */
export class TriggerIndex<T> {
  readonly #byType = new Map<string, Slot<T>[]>();
  readonly #bySource = new Map<string, Slot<T>[]>();
  readonly #unindexed: Slot<T>[] = [];
  readonly #all: Slot<T>[] = [];
  /** True when some filter may read the event's parsed data. */
  readonly needsData: boolean;

  constructor(entries: Iterable<TriggerIndexEntry<T>>) {
    let needsData = false;
    for (const { value, filter } of entries) {
      const slot: Slot<T> = { seq: this.#all.length, value, filter };
      this.#all.push(slot);
      needsData ||= filter.needsData;
      if (filter.exactType !== undefined) file(this.#byType, filter.exactType, slot);
      else if (filter.exactSource !== undefined) file(this.#bySource, filter.exactSource, slot);
      else this.#unindexed.push(slot);
    }
    this.needsData = needsData;
  }

  /** Number of entries. */
  get size(): number {
    return this.#all.length;
  }

  /**
   * Every value whose filter matches `input`, in the order the entries were given. `onError` is
   * called for each filter whose evaluation failed (a CEL runtime error: no match, to be counted).
   */
  match(input: FilterInput, onError?: (value: T) => void): T[] {
    const attributes = input.event.attributes;
    const type = Object.hasOwn(attributes, 'type') ? attributes.type : undefined;
    const source = Object.hasOwn(attributes, 'source') ? attributes.source : undefined;
    const a = (type === undefined ? undefined : this.#byType.get(type)) ?? NO_SLOTS;
    const b = (source === undefined ? undefined : this.#bySource.get(source)) ?? NO_SLOTS;
    const c = this.#unindexed;
    const matched: T[] = [];
    // Merge the three candidate lists, each in entry order, so results come out in entry order.
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < a.length || j < b.length || k < c.length) {
      const sa = i < a.length ? (a[i] as Slot<T>).seq : Number.POSITIVE_INFINITY;
      const sb = j < b.length ? (b[j] as Slot<T>).seq : Number.POSITIVE_INFINITY;
      const sc = k < c.length ? (c[k] as Slot<T>).seq : Number.POSITIVE_INFINITY;
      let slot: Slot<T>;
      if (sa < sb && sa < sc) slot = a[i++] as Slot<T>;
      else if (sb < sc) slot = b[j++] as Slot<T>;
      else slot = c[k++] as Slot<T>;
      const result = slot.filter.evaluate(input);
      if (result === 'match') matched.push(slot.value);
      else if (result === 'error' && onError !== undefined) onError(slot.value);
    }
    return matched;
  }

  /** Every entry's verdict, including those the index would skip, in entry order. */
  explain(input: FilterInput): FilterExplanation<T>[] {
    return this.#all.map(({ value, filter }) => {
      const result = filter.evaluate(input);
      return { value, result, reason: result === 'match' ? undefined : filter.explain(input) };
    });
  }
}

function file<T>(map: Map<string, Slot<T>[]>, key: string, slot: Slot<T>): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [slot]);
  else list.push(slot);
}
