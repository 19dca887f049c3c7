import { mediaType } from '../event/index.ts';
import { FAIL, type FilterNode, type Outcome, PASS, quote } from './node.ts';
import type { FilterInput } from './types.ts';

/**
 * The attribute dialects: Knative's original `filter.attributes` and the `exact`, `prefix` and
 * `suffix` dialects of `filters`. All compare attribute values as strings, case-sensitively.
 *
 * Attribute lookup follows Knative's `attributes.LookupAttribute`: `schemaurl` (CloudEvents 0.3)
 * reads `dataschema`, `datamediatype` reads the media type of `datacontenttype` (lowercased,
 * parameters dropped), every other name reads the attribute or extension of that name. An absent
 * attribute reads as "", which no dialect accepts: `filter.attributes` treats "" as "any non-empty
 * value" (Knative: the attribute must exist and be set), and `exact`/`prefix`/`suffix` values are
 * never empty.
 */

export type AttributeDialect = 'attributes' | 'exact' | 'prefix' | 'suffix';

const DATAMEDIATYPE = 1;
const PLAIN = 0;

function readAttribute(attributes: Record<string, string>, key: string, kind: number): string {
  if (kind === DATAMEDIATYPE) {
    const ct = Object.hasOwn(attributes, 'datacontenttype') ? attributes.datacontenttype : undefined;
    return ct === undefined ? '' : mediaType(ct);
  }
  // hasOwn: an attribute map may come from JSON, and `constructor` is a valid attribute name.
  return Object.hasOwn(attributes, key) ? (attributes[key] as string) : '';
}

function sourceKey(name: string): string {
  return name === 'schemaurl' ? 'dataschema' : name;
}

export class AttributeMatchNode implements FilterNode {
  readonly label: string;
  readonly needsData = false;
  readonly #dialect: AttributeDialect;
  readonly #names: string[];
  readonly #keys: string[];
  readonly #kinds: number[];
  readonly #values: string[];

  /** `label` is the filter's place (`filter` or `filters[2]`); `entries` are its name/value pairs. */
  constructor(label: string, dialect: AttributeDialect, entries: Array<[string, string]>) {
    this.label = label;
    this.#dialect = dialect;
    this.#names = entries.map(([name]) => name);
    this.#keys = entries.map(([name]) => sourceKey(name));
    this.#kinds = entries.map(([name]) => (name === 'datamediatype' ? DATAMEDIATYPE : PLAIN));
    this.#values = entries.map(([, value]) => value);
  }

  /** The constant this filter requires of attribute `name`, when it requires an exact value. */
  exactValueOf(name: string): string | undefined {
    if (this.#dialect !== 'exact' && this.#dialect !== 'attributes') return undefined;
    const i = this.#names.indexOf(name);
    if (i === -1) return undefined;
    const value = this.#values[i];
    return value === '' ? undefined : value;
  }

  /**
   * The name/value pairs this filter requires exactly (none for prefix and suffix), leaving out
   * the names whose value is derived from another attribute (`schemaurl`, `datamediatype`).
   */
  exactEntries(): Array<[string, string]> {
    if (this.#dialect !== 'exact' && this.#dialect !== 'attributes') return [];
    const out: Array<[string, string]> = [];
    for (let i = 0; i < this.#names.length; i++) {
      const value = this.#values[i] as string;
      if (value !== '' && this.#kinds[i] === PLAIN && this.#keys[i] === this.#names[i]) {
        out.push([this.#names[i] as string, value]);
      }
    }
    return out;
  }

  /**
   * True when every event whose attribute `name` is `value` passes: the filter compares exactly
   * that one attribute with that value (the trigger index then need not evaluate it).
   */
  satisfiedBy(name: string, value: string): boolean {
    if (this.#dialect !== 'exact' && this.#dialect !== 'attributes') return false;
    if (value === '') return false;
    for (let i = 0; i < this.#names.length; i++) {
      if (this.#names[i] !== name || this.#keys[i] !== name || this.#kinds[i] !== PLAIN) return false;
      if (this.#values[i] !== value) return false;
    }
    return this.#names.length > 0;
  }

  evaluate(input: FilterInput): Outcome {
    const attributes = input.event.attributes;
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) {
      if (!this.#test(readAttribute(attributes, keys[i] as string, this.#kinds[i] as number), i)) return FAIL;
    }
    return PASS;
  }

  explain(input: FilterInput): string {
    const attributes = input.event.attributes;
    for (let i = 0; i < this.#keys.length; i++) {
      const actual = readAttribute(attributes, this.#keys[i] as string, this.#kinds[i] as number);
      if (this.#test(actual, i)) continue;
      const name = this.#names[i] as string;
      const where = `${this.label}.${this.#dialect}.${name}`;
      if (actual === '') return `${where}: missing attribute '${name}'`;
      const expected = this.#values[i] as string;
      switch (this.#dialect) {
        case 'prefix':
          return `${where}: expected a value starting with ${quote(expected)}, got ${quote(actual)}`;
        case 'suffix':
          return `${where}: expected a value ending with ${quote(expected)}, got ${quote(actual)}`;
        default:
          return `${where}: expected ${quote(expected)}, got ${quote(actual)}`;
      }
    }
    return `${this.label}: matched`;
  }

  #test(actual: string, i: number): boolean {
    const expected = this.#values[i] as string;
    switch (this.#dialect) {
      case 'attributes':
        // Knative TriggerAnyFilter: "" accepts any value as long as the attribute is set.
        return expected === '' ? actual !== '' : actual === expected;
      case 'exact':
        return actual === expected;
      case 'prefix':
        return actual.startsWith(expected);
      case 'suffix':
        return actual.endsWith(expected);
    }
  }
}
