import type { Contract } from '@eventyard/core';
import type { EventLog } from '@eventyard/log';
import type { Registry } from 'prom-client';
import type { Dispatcher as HttpDispatcher } from 'undici';

/** The pino-compatible subset the dispatcher logs through: a context object, then the message. */
export interface DispatcherLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DispatcherOptions {
  /** Where brokers' events are read from, and replies, retries and dead letters written to. */
  log: EventLog;
  /** Metrics are registered here (idempotently: a second dispatcher on the same registry shares them). */
  registry: Registry;
  /**
   * Consumer group of this dispatcher deployment. Committed offsets are kept per group and topic,
   * so one group reads every broker topic once. Default `eventyard-dispatcher`.
   */
  group?: string;
  logger?: DispatcherLogger;
  /**
   * The undici dispatcher (Agent, Pool, ProxyAgent, ...) subscribers are called through. Default: a
   * keep-alive Agent owned by the dispatcher (one connection pool per subscriber origin), closed by
   * `stop()`. An injected one is left open.
   */
  http?: HttpDispatcher;
  /** Clock (epoch ms) for arrival times, due times of retries and latency. Default `Date.now`. */
  now?: () => number;
  /** Source of jitter for backoff, in [0, 1). Default `Math.random`. */
  random?: () => number;
  /**
   * Retries that wait at most this long are retried in place, holding a concurrency slot; longer
   * waits go through the broker's retry topic. Default 1000 ms.
   */
  inPlaceRetryMaxMs?: number;
  /** Events waiting per trigger before its source partitions are paused (backpressure). Default 1000. */
  queueCapacity?: number;
  /** Retries held in memory per broker, waiting until due, before the retry topic is paused. Default 10 000. */
  retryBufferCapacity?: number;
  /** Upper bound on records per batch read from the log. Default 500. */
  maxBatchSize?: number;
  /** How often finished offsets are committed. Default 200 ms. */
  commitIntervalMs?: number;
  /** How often consumer lag is measured for `eventyard_consumer_lag`. Default 5000 ms. */
  lagIntervalMs?: number;
  /** How long `stop()` waits for deliveries in flight before abandoning them (uncommitted). Default 10 000 ms. */
  stopTimeoutMs?: number;
}

export interface Dispatcher {
  /**
   * Applies a Contract as a diff: brokers that appeared start being read, removed ones stop, and
   * the others get the new trigger set without restarting their consumers. Calls are applied one
   * after another, in call order.
   */
  applyContract(contract: Contract): Promise<void>;
  /**
   * Stops reading, lets deliveries in flight finish (bounded by `stopTimeoutMs`), commits what is
   * finished and closes the consumers. Unfinished events are read again by the next start.
   */
  stop(): Promise<void>;
}
