import { EventyardError } from '../errors.ts';
import { isJsonContentType } from '../event/index.ts';
import { nestsDeeperThan } from '../event/json-scan.ts';
import type { CloudEvent } from '../types.ts';
import type { FilterInput } from './types.ts';

// Hoisted: one decoder for every event. Non-fatal, as JSON.parse rejects what matters anyway.
const utf8 = new TextDecoder();

const UNPARSED = Symbol('unparsed');

/**
 * What parsing an event's data for filters may cost. Filters (CEL, the closures, cel-js) walk the
 * parsed value recursively, so a payload nested thousands deep would overflow the stack; records in
 * the log may also come from other tools, larger than the ingress accepts. Data over a limit is
 * not parsed: every filter that reads it gets an evaluation error (no match, counted, explained by
 * `eventyard match`), and filters that do not read data are not affected. Realistic events nest a
 * few levels deep; 64 leaves ample room and stays far from the stack's limits.
 */
export const FILTER_DATA_LIMITS = { maxDepth: 64, maxBytes: 4 * 1024 * 1024 } as const;

/** Parsing the data was refused: the same error for every filter that reads it. */
class DataRefused {
  readonly error: EventyardError;
  constructor(error: EventyardError) {
    this.error = error;
  }
}

/**
 * The one `FilterInput` implementation: caches the parsed data and time, and the CEL activation,
 * so a thousand triggers reading `event.data` cost one parse.
 */
export class EventFilterInput implements FilterInput {
  readonly event: CloudEvent;
  #data: unknown = UNPARSED;
  #time: Date | undefined | typeof UNPARSED = UNPARSED;
  #activation: Record<string, unknown> | undefined;

  constructor(event: CloudEvent) {
    this.event = event;
  }

  get dataParsed(): boolean {
    return this.#data !== UNPARSED;
  }

  data(): unknown {
    if (this.#data === UNPARSED) this.#data = parseJsonData(this.event);
    if (this.#data instanceof DataRefused) throw this.#data.error;
    return this.#data;
  }

  time(): Date | undefined {
    if (this.#time === UNPARSED) {
      const raw = attributeOf(this.event, 'time');
      const millis = raw === undefined ? Number.NaN : Date.parse(raw);
      this.#time = Number.isNaN(millis) ? undefined : new Date(millis);
    }
    return this.#time;
  }

  /**
   * The variables CEL expressions see, built on the first CEL evaluation for this event and shared
   * by every trigger: `event` (and its alias `ce`) maps attribute names to values, with `time` as a
   * timestamp and `data` read lazily; `data` is the parsed data.
   */
  celActivation(): Record<string, unknown> {
    if (this.#activation === undefined) this.#activation = buildActivation(this);
    return this.#activation;
  }
}

/** A `FilterInput` for one event; share it between all the triggers evaluated for that event. */
export function createFilterInput(event: CloudEvent): FilterInput {
  return new EventFilterInput(event);
}

/** The CEL variables for `input`, cached when it came from `createFilterInput`. */
export function celActivationOf(input: FilterInput): Record<string, unknown> {
  return input instanceof EventFilterInput ? input.celActivation() : buildActivation(input);
}

function attributeOf(event: CloudEvent, name: string): string | undefined {
  return Object.hasOwn(event.attributes, name) ? event.attributes[name] : undefined;
}

function parseJsonData(event: CloudEvent): unknown {
  const bytes = event.data;
  if (bytes === undefined || bytes.byteLength === 0) return undefined;
  if (!isJsonContentType(attributeOf(event, 'datacontenttype'))) return undefined;
  if (bytes.byteLength > FILTER_DATA_LIMITS.maxBytes) {
    return refuse(
      `the event's data is ${bytes.byteLength} bytes; filters read data of at most ${FILTER_DATA_LIMITS.maxBytes} bytes`,
    );
  }
  if (nestsDeeperThan(bytes, FILTER_DATA_LIMITS.maxDepth)) {
    return refuse(
      `the event's data nests deeper than ${FILTER_DATA_LIMITS.maxDepth} levels, the most filters read`,
    );
  }
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    return undefined;
  }
}

function refuse(message: string): DataRefused {
  return new DataRefused(
    new EventyardError('EY_DATA_LIMIT', message, { details: { ...FILTER_DATA_LIMITS } }),
  );
}

function buildActivation(input: FilterInput): Record<string, unknown> {
  // Plain objects (CEL maps are plain objects in cel-js) built with their accessors in the literal:
  // `delete` and `Object.defineProperty` would turn them into slow dictionary-mode objects, and this
  // runs for every event some CEL filter sees. The getters keep `data` lazy.
  const event: Record<string, unknown> = {
    get data() {
      return input.data();
    },
  };
  const attributes = input.event.attributes;
  for (const name in attributes) {
    if (name !== 'time' && name !== 'data' && Object.hasOwn(attributes, name)) event[name] = attributes[name];
  }
  const time = input.time();
  if (time !== undefined) event.time = time;
  return {
    event,
    ce: event,
    get data() {
      return input.data();
    },
  };
}
