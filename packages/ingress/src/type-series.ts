/** The label value events of the types without a series of their own are counted under. */
export const OTHER_EVENT_TYPE = 'other';

/** What one event-type series of a broker counts. */
export interface TypeSeries {
  readonly eventType: string;
  /** Events answered 202 since the last collection (the hot path, kept apart). */
  accepted: number;
  /** Labels of the 202 series, built at its first collection. */
  acceptedLabels: Record<string, string | number> | undefined;
  /** Other answers since the last collection, by HTTP status. */
  readonly pending: Map<number, number>;
  /** Everything the series showed so far, by HTTP status: moved to `other` when the type is demoted. */
  readonly totals: Map<number, number>;
  /** Events since the last ranking, plus half of the score before: how the top types are chosen. */
  score: number;
}

/**
 * A type takes a series over only when it was seen at least this often and twice as often as the
 * type it replaces: series that flip at every scrape would cost Prometheus more than they tell.
 */
const MIN_PROMOTION_SCORE = 2;

function newSeries(eventType: string, score: number): TypeSeries {
  return { eventType, accepted: 0, acceptedLabels: undefined, pending: new Map(), totals: new Map(), score };
}

/**
 * Keeps the event types of one broker that get a metric series of their own to the `max` most
 * frequent, whatever senders put in `ce-type`. Types are admitted as they come until `max` have a
 * series; events of any other type are counted under `other`, and their frequency is estimated in
 * a Misra-Gries summary of `max` counters (memory bounded however many distinct types arrive; an
 * estimate is never above the true count). `rank` (at each scrape) swaps in the types that were
 * clearly more frequent than the weakest tracked ones. Scores halve at each ranking, so "frequent" means
 * "recently frequent" and a type that stopped arriving eventually gives its series up.
 */
export class TypeSeriesBound {
  readonly #max: number;
  readonly #tracked = new Map<string, TypeSeries>();
  readonly #other = newSeries(OTHER_EVENT_TYPE, 0);
  /** Estimated scores of types counted under `other` (at most `max` entries). */
  readonly #candidates = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** The series an event of this type is counted in: its own, or `other`. */
  series(eventType: string): TypeSeries {
    const tracked = this.#tracked.get(eventType);
    if (tracked !== undefined) {
      tracked.score++;
      return tracked;
    }
    // A type literally named "other" shares the overflow series.
    if (eventType === OTHER_EVENT_TYPE) return this.#other;
    if (this.#tracked.size < this.#max) {
      const series = newSeries(eventType, 1);
      this.#tracked.set(eventType, series);
      return series;
    }
    this.#seen(eventType);
    return this.#other;
  }

  /** Every series, `other` last. */
  *all(): IterableIterator<TypeSeries> {
    yield* this.#tracked.values();
    yield this.#other;
  }

  /**
   * Promotes the candidates whose score beats the weakest tracked types; each demoted type is
   * handed to `demote` (with `other`, which takes its counts) after its series was collected, and
   * becomes a candidate. Then every score halves.
   */
  rank(demote: (demoted: TypeSeries, other: TypeSeries) => void): void {
    if (this.#candidates.size > 0 && this.#tracked.size > 0) {
      const candidates = [...this.#candidates].sort((a, b) => b[1] - a[1]);
      const weakest = [...this.#tracked.values()].sort((a, b) => a.score - b.score);
      let next = 0;
      for (const [eventType, score] of candidates) {
        const demoted = weakest[next];
        if (demoted === undefined || score < MIN_PROMOTION_SCORE || score <= 2 * demoted.score) break;
        next++;
        demote(demoted, this.#other);
        this.#tracked.delete(demoted.eventType);
        this.#candidates.delete(eventType);
        this.#tracked.set(eventType, newSeries(eventType, score));
        this.#candidates.set(demoted.eventType, demoted.score);
      }
    }
    for (const series of this.#tracked.values()) series.score /= 2;
    for (const [eventType, score] of this.#candidates) {
      if (score < 2) this.#candidates.delete(eventType);
      else this.#candidates.set(eventType, score / 2);
    }
  }

  /** Misra-Gries: count a type without a series; when the summary is full, every counter pays one. */
  #seen(eventType: string): void {
    const score = this.#candidates.get(eventType);
    if (score !== undefined) {
      this.#candidates.set(eventType, score + 1);
    } else if (this.#candidates.size < this.#max) {
      this.#candidates.set(eventType, 1);
    } else {
      for (const [candidate, value] of this.#candidates) {
        if (value <= 1) this.#candidates.delete(candidate);
        else this.#candidates.set(candidate, value - 1);
      }
    }
  }
}
