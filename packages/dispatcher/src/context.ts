import type { BrokerEntry } from '@eventyard/core';
import type { EventLog } from '@eventyard/log';
import type { Dispatcher as HttpDispatcher } from 'undici';
import type { AppendBatcher } from './append-batcher.ts';
import type { DispatcherLogger } from './types.ts';

/** What every part of one dispatcher shares: I/O, clock and the stop signal. */
export interface DispatchContext {
  readonly log: EventLog;
  readonly appender: AppendBatcher;
  readonly http: HttpDispatcher;
  readonly logger: DispatcherLogger;
  readonly now: () => number;
  readonly random: () => number;
  readonly inPlaceRetryMaxMs: number;
  /** Aborted when the dispatcher (or this broker's reader) stops: waits and requests end at once. */
  readonly stop: AbortSignal;
}

/** The parts of a broker the data path needs; replaced as a whole when a Contract changes it. */
export type BrokerTopics = Pick<
  BrokerEntry,
  'key' | 'namespace' | 'name' | 'topic' | 'retryTopic' | 'deadLetterTopic' | 'delivery'
>;
