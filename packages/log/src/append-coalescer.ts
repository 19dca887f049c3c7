import type { AppendResult, EventLog, LogRecord } from './types.ts';

interface Waiter {
  records: LogRecord[];
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
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
    let pending = this.#topics.get(topic);
    if (!pending) {
      pending = { waiters: [], inFlight: false, scheduled: false };
      this.#topics.set(topic, pending);
    }
    const target = pending;
    return new Promise<AppendResult[]>((resolve, reject) => {
      target.waiters.push({ records, resolve, reject });
      if (!target.inFlight && !target.scheduled) {
        target.scheduled = true;
        // setImmediate runs after the I/O poll phase: requests whose bodies arrived in the same turn share a write.
        setImmediate(() => this.#flush(topic, target));
      }
    });
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
          waiter.resolve(results.slice(start, start + waiter.records.length));
          start += waiter.records.length;
        }
        this.#done(topic, pending);
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
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
