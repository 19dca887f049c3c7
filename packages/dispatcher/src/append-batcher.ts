import { AppendCoalescer, type EventLog, type LogRecord } from '@eventyard/log';
import { sleep } from './sleep.ts';

/** Records per append call: one durable write (one fsync, one Kafka produce) for many events. */
const MAX_RECORDS_PER_APPEND = 500;
/** Between attempts while the log is unavailable. */
const RETRY_MS = 1000;

/**
 * The dispatcher's writes (replies, retries, dead letters): coalesced per topic like the
 * ingress's, and retried while the log is unavailable, because they must never be dropped.
 */
export class AppendBatcher {
  readonly #coalescer: AppendCoalescer;

  constructor(log: EventLog) {
    this.#coalescer = new AppendCoalescer(log, { maxRecordsPerAppend: MAX_RECORDS_PER_APPEND });
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
        await this.#coalescer.append(topic, records);
        return true;
      } catch (error) {
        onError(error);
        if (!(await sleep(RETRY_MS, stop))) return false;
      }
    }
  }
}
