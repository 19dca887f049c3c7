import type { AppendResult, EventLog, LogRecord } from '@eventyard/log';

interface Waiter {
  start: number;
  count: number;
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
}

interface Pending {
  records: LogRecord[];
  waiters: Waiter[];
  inFlight: boolean;
  scheduled: boolean;
}

/**
 * Coalesces concurrent appends to one topic into one `log.append` call, so one durable write (one
 * fsync, one Kafka produce request) serves every request that arrived meanwhile. There is no fixed
 * linger: a lone request is written at the end of the current event-loop turn; under load, requests
 * gather while the previous append is in flight and go out together when it completes.
 */
export class AppendCoalescer {
  readonly #log: EventLog;
  readonly #topics = new Map<string, Pending>();

  constructor(log: EventLog) {
    this.#log = log;
  }

  append(topic: string, records: LogRecord[]): Promise<AppendResult[]> {
    let pending = this.#topics.get(topic);
    if (!pending) {
      pending = { records: [], waiters: [], inFlight: false, scheduled: false };
      this.#topics.set(topic, pending);
    }
    const target = pending;
    return new Promise<AppendResult[]>((resolve, reject) => {
      target.waiters.push({ start: target.records.length, count: records.length, resolve, reject });
      for (const record of records) target.records.push(record);
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
    const records = pending.records;
    const waiters = pending.waiters;
    pending.records = [];
    pending.waiters = [];
    pending.inFlight = true;
    this.#log.append(topic, records).then(
      (results) => {
        for (const waiter of waiters)
          waiter.resolve(results.slice(waiter.start, waiter.start + waiter.count));
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
