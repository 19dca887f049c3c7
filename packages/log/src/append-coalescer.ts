import type { AppendResult, EventLog, LogRecord } from './types.ts';

/**
 * Told once the records of one `write` are durable (`error` undefined) or could not be written.
 * Called with the `context` given to `write`, so a caller can hoist one function instead of
 * creating a closure per call; it must not throw.
 */
export type AppendCallback<C> = (error: unknown, context: C) => void;

/** One caller's records and how to tell it the outcome. */
interface Waiter {
  records: LogRecord[];
  callback: AppendCallback<unknown>;
  context: unknown;
  /** Set by `append`: the caller's share of the results, sliced from the write's. */
  results: ((results: AppendResult[]) => void) | undefined;
}

interface Pending {
  waiters: Waiter[];
  inFlight: boolean;
  scheduled: boolean;
}

/** Default upper bound on records in one append call (one fsync, one Kafka produce request). */
const DEFAULT_MAX_RECORDS = 1000;

/**
 * Coalesces concurrent appends to one topic into one `log.append` call, so one durable write (one
 * fsync, one Kafka produce request) serves every caller that arrived meanwhile. There is no fixed
 * linger: a lone append is written at the end of the current event-loop turn; under load, callers
 * gather while the previous append is in flight and go out together when it completes. A caller's
 * records always travel in one call, so a batch stays all-or-nothing.
 *
 * Per caller it keeps one small record: `write` takes a callback and a context (no promise and no
 * closure per call, for the ingress's hot path); `append` wraps it in a promise for callers that
 * want one, with their own offsets.
 */
export class AppendCoalescer {
  readonly #log: EventLog;
  readonly #maxRecords: number;
  readonly #topics = new Map<string, Pending>();

  constructor(log: EventLog, options: { maxRecordsPerAppend?: number } = {}) {
    this.#log = log;
    this.#maxRecords = options.maxRecordsPerAppend ?? DEFAULT_MAX_RECORDS;
  }

  /** Resolves with one result per record, in order, once they are durable. */
  append(topic: string, records: LogRecord[]): Promise<AppendResult[]> {
    return new Promise<AppendResult[]>((resolve, reject) => {
      this.#enqueue(topic, { records, callback: rejectOn, context: reject, results: resolve });
    });
  }

  /**
   * Calls `callback(undefined, context)` once the records are durable, or `callback(error,
   * context)` when the write that carried them failed (then none of them was acknowledged).
   */
  write<C>(topic: string, records: LogRecord[], callback: AppendCallback<C>, context: C): void {
    this.#enqueue(topic, {
      records,
      callback: callback as AppendCallback<unknown>,
      context,
      results: undefined,
    });
  }

  #enqueue(topic: string, waiter: Waiter): void {
    let pending = this.#topics.get(topic);
    if (!pending) {
      pending = { waiters: [], inFlight: false, scheduled: false };
      this.#topics.set(topic, pending);
    }
    pending.waiters.push(waiter);
    if (!pending.inFlight && !pending.scheduled) {
      pending.scheduled = true;
      // setImmediate runs after the I/O poll phase: requests whose bodies arrived in the same turn share a write.
      const target = pending;
      setImmediate(() => this.#flush(topic, target));
    }
  }

  #flush(topic: string, pending: Pending): void {
    pending.scheduled = false;
    if (pending.waiters.length === 0) return;
    let take = 0;
    let count = 0;
    while (
      take < pending.waiters.length &&
      (take === 0 || count + pending.waiters[take]!.records.length <= this.#maxRecords)
    ) {
      count += pending.waiters[take]!.records.length;
      take++;
    }
    const waiters = pending.waiters.splice(0, take);
    const records = waiters.length === 1 ? waiters[0]!.records : waiters.flatMap((waiter) => waiter.records);
    pending.inFlight = true;
    this.#log.append(topic, records).then(
      (results) => {
        let start = 0;
        for (const waiter of waiters) {
          const end = start + waiter.records.length;
          if (waiter.results !== undefined) waiter.results(results.slice(start, end));
          else settle(waiter, undefined);
          start = end;
        }
        this.#done(topic, pending);
      },
      (error: unknown) => {
        // `undefined` means success to a callback: a log that rejects without a reason still failed.
        const reason = error ?? new Error(`append to topic "${topic}" failed`);
        for (const waiter of waiters) settle(waiter, reason);
        this.#done(topic, pending);
      },
    );
  }

  #done(topic: string, pending: Pending): void {
    pending.inFlight = false;
    if (pending.waiters.length > 0) this.#flush(topic, pending);
    else this.#topics.delete(topic);
  }
}

/** `append`'s callback: only failures reach it (successes go to `results`). */
function rejectOn(error: unknown, reject: unknown): void {
  (reject as (error: unknown) => void)(error);
}

/**
 * A callback that throws must not keep the other callers of the same write from hearing: the
 * error surfaces as an uncaught exception on the next tick instead.
 */
function settle(waiter: Waiter, error: unknown): void {
  try {
    waiter.callback(error, waiter.context);
  } catch (thrown) {
    process.nextTick(rethrow, thrown);
  }
}

function rethrow(error: unknown): never {
  throw error;
}
