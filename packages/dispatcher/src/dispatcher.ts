import type { Contract, TriggerEntry } from '@eventyard/core';
import { Agent } from 'undici';
import { AppendBatcher } from './append-batcher.ts';
import { BrokerDispatcher, type BrokerDispatcherSettings } from './broker-dispatcher.ts';
import type { DispatchContext } from './context.ts';
import { brokersNotStarted, dispatcherStopped, invalidOption } from './errors.ts';
import { createDispatchMetrics } from './metrics.ts';
import type { Dispatcher, DispatcherLogger, DispatcherOptions } from './types.ts';

const DEFAULT_GROUP = 'eventyard-dispatcher';
/** A broker that could not start (log unavailable) is tried again this often until it starts. */
const START_RETRY_MS = 5000;
const SILENT: DispatcherLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The dispatcher: reads every broker's topic once, matches each event against the broker's
 * triggers, and delivers, retries, dead-letters and handles replies (DESIGN.md "Data-plane rules",
 * "Dispatcher sketch"). It reacts to Contracts as diffs and never listens on a port.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const settings: BrokerDispatcherSettings = {
    group: options.group ?? DEFAULT_GROUP,
    queueCapacity: positive('queueCapacity', options.queueCapacity, 1000),
    retryBufferCapacity: positive('retryBufferCapacity', options.retryBufferCapacity, 10_000),
    maxBatchSize: positive('maxBatchSize', options.maxBatchSize, 500),
    commitIntervalMs: positive('commitIntervalMs', options.commitIntervalMs, 200),
    lagIntervalMs: positive('lagIntervalMs', options.lagIntervalMs, 5000),
  };
  const stopTimeoutMs = nonNegative('stopTimeoutMs', options.stopTimeoutMs, 10_000);
  const ownsHttp = options.http === undefined;
  // Keep-alive connection pools per subscriber origin (an undici Agent holds one Pool per origin).
  const http = options.http ?? new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000 });
  const shared: Omit<DispatchContext, 'stop'> = {
    log: options.log,
    appender: new AppendBatcher(options.log),
    http,
    logger: options.logger ?? SILENT,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    inPlaceRetryMaxMs: nonNegative('inPlaceRetryMaxMs', options.inPlaceRetryMaxMs, 1000),
  };
  const metrics = createDispatchMetrics(options.registry);
  const brokers = new Map<string, BrokerDispatcher>();
  let applying: Promise<void> = Promise.resolve();
  let stopped: Promise<void> | undefined;
  let latest: Contract | undefined;
  let startRetry: NodeJS.Timeout | undefined;

  function enqueue(contract: Contract): Promise<void> {
    const next = applying.then(() => apply(contract));
    // A failed application does not stop the next one.
    applying = next.catch(() => {});
    return next;
  }

  async function apply(contract: Contract): Promise<void> {
    if (stopped !== undefined) throw dispatcherStopped();
    clearTimeout(startRetry);
    latest = contract;
    const byBroker = new Map<string, TriggerEntry[]>();
    for (const trigger of contract.triggers.values()) {
      const key = `${trigger.namespace}/${trigger.broker}`;
      const list = byBroker.get(key);
      if (list === undefined) byBroker.set(key, [trigger]);
      else list.push(trigger);
    }

    for (const [key, running] of [...brokers]) {
      const entry = contract.brokers.get(key);
      if (entry === undefined || running.needsRestart(entry)) {
        brokers.delete(key);
        await running.stop(stopTimeoutMs);
      }
    }

    const failures: Array<{ broker: string; error: unknown }> = [];
    for (const entry of contract.brokers.values()) {
      const triggers = byBroker.get(entry.key) ?? [];
      const running = brokers.get(entry.key);
      if (running !== undefined) {
        running.update(entry, triggers);
        continue;
      }
      const broker = new BrokerDispatcher(shared, settings, metrics, entry);
      broker.update(entry, triggers);
      try {
        await broker.start();
        brokers.set(entry.key, broker);
      } catch (error) {
        shared.logger.error({ err: error, broker: entry.key }, 'cannot start dispatching broker');
        failures.push({ broker: entry.key, error });
      }
    }
    if (failures.length > 0) {
      // The same Contract is applied again later: the brokers that started are left as they are.
      startRetry = setTimeout(() => {
        if (stopped === undefined && latest === contract) enqueue(contract).catch(() => {});
      }, START_RETRY_MS);
      startRetry.unref();
      throw brokersNotStarted(failures);
    }
  }

  return {
    applyContract: enqueue,
    stop() {
      stopped ??= (async () => {
        clearTimeout(startRetry);
        await applying;
        await Promise.all([...brokers.values()].map((broker) => broker.stop(stopTimeoutMs)));
        brokers.clear();
        if (ownsHttp) await http.close();
      })();
      return stopped;
    },
  };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw invalidOption(name, 'a positive number', value);
  }
  return value;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw invalidOption(name, 'zero or more', value);
  }
  return value;
}
