import type { EventLog, LogRecord } from '@eventyard/log';
import { sleep } from './sleep.ts';

interface Pending {
  record: LogRecord;
  resolve(): void;
  reject(error: unknown): void;
}

/** Records per append call: one durable write (one fsync, one Kafka produce) for many events. */
const MAX_RECORDS_PER_APPEND = 500;
/** Between attempts while the log is unavailable. */
const RETRY_MS = 1000;

/**
 * Coalesces the dispatcher's many small appends (replies, retries, dead letters) per topic: while
 * one append is being persisted, the next ones queue up and go out together in one call.
 */
export class AppendBatcher {
  readonly #log: EventLog;
  readonly #topics = new Map<string, { queue: Pending[]; flushing: boolean }>();

  constructor(log: EventLog) {
    this.#log = log;
  }

  /** Resolves once the record is durable; rejects when the log could not persist it. */
  append(topic: string, record: LogRecord): Promise<void> {
    let state = this.#topics.get(topic);
    if (state === undefined) {
      state = { queue: [], flushing: false };
      this.#topics.set(topic, state);
    }
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    state.queue.push({ record, resolve, reject });
    if (!state.flushing) {
      state.flushing = true;
      // A microtask later, so appends made in the same turn share the write.
      queueMicrotask(() => void this.#flush(topic, state));
    }
    return promise;
  }

  /**
   * Appends until the log takes every record, trying again while it is unavailable: what the
   * dispatcher writes (replies, retries, dead letters) must not be dropped. False when `stop`
   * aborted first (the caller leaves its event uncommitted, so it is read again).
   */
  async appendDurably(
    topic: string,
    records: LogRecord[],
    stop: AbortSignal,
    onError: (error: unknown) => void,
  ): Promise<boolean> {
    for (;;) {
      try {
        await Promise.all(records.map((record) => this.append(topic, record)));
        return true;
      } catch (error) {
        onError(error);
        if (!(await sleep(RETRY_MS, stop))) return false;
      }
    }
  }

  async #flush(topic: string, state: { queue: Pending[]; flushing: boolean }): Promise<void> {
    while (state.queue.length > 0) {
      const batch = state.queue.splice(0, MAX_RECORDS_PER_APPEND);
      try {
        await this.#log.append(
          topic,
          batch.map((pending) => pending.record),
        );
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    state.flushing = false;
  }
}
