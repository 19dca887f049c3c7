import { residualOf } from './compile.ts';
import { ERROR, FAIL, type FilterNode } from './node.ts';
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
  /**
   * For a trigger filed under its exact type (or source): what is left of its filter to evaluate
   * for the events looked up there, which all have that type. null: nothing, it matches; undefined:
   * the whole filter.
   */
  readonly residual: FilterNode | null | undefined;
}

const NO_SLOTS: never[] = [];

/** Triggers filed under one attribute other than type and source (a subject, an extension). */
interface AttributeFile<T> {
  readonly name: string;
  readonly byValue: Map<string, Slot<T>[]>;
  /** Every slot filed here: the candidates for an event that lacks the attribute. */
  readonly all: Slot<T>[];
}

/**
 * All triggers of a broker, indexed so that matching one event costs a hash lookup plus the
 * filters that can match it. A filter that requires an exact `type` is filed under that type; else
 * one that requires an exact `source` under that source; else one that requires an exact value of
 * another attribute (`subject`, an extension) under that attribute and value; the rest are
 * evaluated for every event. A trigger filed under another value is never evaluated: it costs
 * nothing. An event that lacks an attribute is still checked against the triggers filed under it
 * (a CEL expression reading a missing attribute is an error, and errors are counted).
 * Immutable: build a new index when the triggers change.
 */
export class TriggerIndex<T> {
  readonly #byType = new Map<string, Slot<T>[]>();
  readonly #bySource = new Map<string, Slot<T>[]>();
  readonly #byAttribute: AttributeFile<T>[] = [];
  readonly #unindexed: Slot<T>[] = [];
  readonly #all: Slot<T>[] = [];
  /** Scratch space of `match` (synchronous, so one per index is enough): candidate lists and their heads. */
  readonly #lists: Slot<T>[][] = [];
  #heads = new Int32Array(0);
  /** True when some filter may read the event's parsed data. */
  readonly needsData: boolean;

  constructor(entries: Iterable<TriggerIndexEntry<T>>) {
    let needsData = false;
    for (const { value, filter } of entries) {
      const seq = this.#all.length;
      needsData ||= filter.needsData;
      const { exactType, exactSource } = filter;
      if (exactType !== undefined) {
        const slot: Slot<T> = { seq, value, filter, residual: residualOf(filter, 'type', exactType) };
        this.#all.push(slot);
        file(this.#byType, exactType, slot);
        continue;
      }
      if (exactSource !== undefined) {
        const slot: Slot<T> = { seq, value, filter, residual: residualOf(filter, 'source', exactSource) };
        this.#all.push(slot);
        file(this.#bySource, exactSource, slot);
        continue;
      }
      const slot: Slot<T> = { seq, value, filter, residual: undefined };
      this.#all.push(slot);
      if (!this.#fileByAttribute(filter, slot)) this.#unindexed.push(slot);
    }
    this.needsData = needsData;
    this.#heads = new Int32Array(3 + this.#byAttribute.length);
  }

  #fileByAttribute(filter: CompiledFilter, slot: Slot<T>): boolean {
    if (filter.exactAttributes === undefined) return false;
    for (const [name, value] of filter.exactAttributes) {
      if (name === 'type' || name === 'source') continue;
      let attributeFile = this.#byAttribute.find((f) => f.name === name);
      if (attributeFile === undefined) {
        attributeFile = { name, byValue: new Map(), all: [] };
        this.#byAttribute.push(attributeFile);
      }
      file(attributeFile.byValue, value, slot);
      attributeFile.all.push(slot);
      return true;
    }
    return false;
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
    if (this.#byAttribute.length === 0) {
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
        evaluateInto(slot, input, matched, onError);
      }
      return matched;
    }
    const lists = this.#lists;
    lists.length = 0;
    if (a.length > 0) lists.push(a);
    if (b.length > 0) lists.push(b);
    if (c.length > 0) lists.push(c);
    for (const attributeFile of this.#byAttribute) {
      const value = Object.hasOwn(attributes, attributeFile.name)
        ? attributes[attributeFile.name]
        : undefined;
      const list = value === undefined ? attributeFile.all : attributeFile.byValue.get(value);
      if (list !== undefined && list.length > 0) lists.push(list);
    }
    // A k-way merge by entry order over the few candidate lists.
    const heads = this.#heads;
    heads.fill(0, 0, lists.length);
    for (;;) {
      let best = -1;
      let bestSeq = Number.POSITIVE_INFINITY;
      for (let l = 0; l < lists.length; l++) {
        const list = lists[l] as Slot<T>[];
        const head = heads[l] as number;
        if (head < list.length && (list[head] as Slot<T>).seq < bestSeq) {
          best = l;
          bestSeq = (list[head] as Slot<T>).seq;
        }
      }
      if (best === -1) break;
      const list = lists[best] as Slot<T>[];
      evaluateInto(list[heads[best] as number] as Slot<T>, input, matched, onError);
      heads[best] = (heads[best] as number) + 1;
    }
    lists.length = 0;
    return matched;
  }

  /** Every entry's verdict, including those the index would skip, in entry order. */
  explain(input: FilterInput): FilterExplanation<T>[] {
    return this.#all.map(({ value, filter }) => {
      try {
        const result = filter.evaluate(input);
        return { value, result, reason: result === 'match' ? undefined : filter.explain(input) };
      } catch (error) {
        return { value, result: 'error' as const, reason: `evaluation failed: ${(error as Error).message}` };
      }
    });
  }
}

function evaluateInto<T>(
  slot: Slot<T>,
  input: FilterInput,
  matched: T[],
  onError: ((value: T) => void) | undefined,
): void {
  const residual = slot.residual;
  let result: FilterResult;
  try {
    if (residual === undefined) result = slot.filter.evaluate(input);
    else if (residual === null) result = 'match';
    else {
      const outcome = residual.evaluate(input);
      result = outcome === FAIL ? 'no-match' : outcome === ERROR ? 'error' : 'match';
    }
  } catch {
    // Filters promise not to throw; one that does anyway (a bug, a stack overflow) is an error of
    // that trigger alone: the other triggers are still matched, and the event is not lost.
    result = 'error';
  }
  if (result === 'match') matched.push(slot.value);
  else if (result === 'error' && onError !== undefined) onError(slot.value);
}

function file<T>(map: Map<string, Slot<T>[]>, key: string, slot: Slot<T>): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [slot]);
  else list.push(slot);
}
