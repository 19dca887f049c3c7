import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@eventyard/core';
import { Cron } from 'croner';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import { createSourceMetrics } from '../metrics.ts';
import { createPublisher } from '../sink/publisher.ts';
import type { PingSourceConfig, PublisherIo, PublishResult } from '../types.ts';
import { CRON_MODE } from './config.ts';

/** Knative's PingSource event type (pkg/apis/sources/v1 PingSourceEventType). */
export const PING_EVENT_TYPE = 'dev.knative.sources.ping';

/** Knative's PingSource event source (pkg/apis/sources/v1 PingSourceSource). */
export function pingEventSource(namespace: string, name: string): string {
  return `/apis/v1/namespaces/${namespace}/pingsources/${name}`;
}

export interface PingSourcesOptions {
  sources: readonly PingSourceConfig[];
  registry: Registry;
  logger?: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error' | 'debug'>;
  io?: PublisherIo & { newId?: () => string };
  /** Schedule nothing: events go out only through `fire` (one-off runs). */
  paused?: boolean;
}

export interface PingSources {
  /** Fires one source now, off schedule (tests, and `--fire-now`); resolves with the outcome. */
  fire(namespace: string, name: string): Promise<PublishResult>;
  /** When each source fires next, by `namespace/name`. */
  nextRuns(): Map<string, Date | null>;
  /** Stops every schedule and waits for the events in flight. */
  stop(): Promise<void>;
}

/** The fixed event of a PingSource, with a fresh id and time per tick. */
function pingEvent(source: PingSourceConfig, id: string, time: Date): CloudEvent {
  const attributes: Record<string, string> = {
    ...source.extensions,
    specversion: '1.0',
    id,
    source: pingEventSource(source.namespace, source.name),
    type: PING_EVENT_TYPE,
    time: time.toISOString(),
  };
  if (source.data !== undefined && source.contentType !== undefined)
    attributes.datacontenttype = source.contentType;
  return { attributes, data: source.data };
}

/**
 * Runs PingSources as Knative's mtping adapter does: each schedule (5 cron fields, or 6 with
 * seconds first; in its time zone) sends one event of type dev.knative.sources.ping with the
 * fixed payload to the sink, retried with backoff; an event that still fails is logged and
 * counted, and the next tick comes as scheduled.
 */
export function startPingSources(options: PingSourcesOptions): PingSources {
  const io = options.io ?? {};
  const newId = io.newId ?? randomUUID;
  const now = io.now ?? Date.now;
  const metrics = createSourceMetrics(options.registry);
  const logger = options.logger;
  const stopping = new AbortController();
  const inflight = new Set<Promise<PublishResult>>();
  const jobs = new Map<
    string,
    { source: PingSourceConfig; cron: Cron; tick: () => Promise<PublishResult> }
  >();

  for (const source of options.sources) {
    const label = `${source.namespace}/${source.name}`;
    const publisher = createPublisher(source.sink, source.delivery, {
      ...io,
      onAttempt: (code) => {
        metrics.sinkAttempts.inc({ kind: 'ping', source: label, code: String(code) });
        io.onAttempt?.(code);
      },
    });
    const tick = (): Promise<PublishResult> => {
      const time = new Date(now());
      const event = pingEvent(source, newId(), time);
      metrics.lastTick.set({ source: label }, time.getTime() / 1000);
      const started = performance.now();
      const sending = publisher.publish(event, stopping.signal).then((result) => {
        metrics.publishDuration.observe(
          { kind: 'ping', source: label },
          (performance.now() - started) / 1000,
        );
        const outcome = result.ok ? 'accepted' : result.retriable ? 'failed' : 'rejected';
        metrics.events.inc({ kind: 'ping', source: label, outcome });
        if (result.ok) logger?.debug({ source: label, id: event.attributes.id }, 'ping sent');
        else {
          logger?.warn(
            {
              source: label,
              id: event.attributes.id,
              sink: source.sink,
              status: result.status,
              attempts: result.attempts,
              reason: result.message,
            },
            'ping not delivered',
          );
        }
        return result;
      });
      inflight.add(sending);
      void sending.finally(() => inflight.delete(sending));
      return sending;
    };
    const cron = new Cron(
      source.schedule,
      {
        mode: CRON_MODE,
        catch: true,
        paused: options.paused ?? false,
        ...(source.timezone ? { timezone: source.timezone } : {}),
      },
      () => {
        void tick();
      },
    );
    jobs.set(label, { source, cron, tick });
  }

  return {
    fire(namespace, name) {
      const job = jobs.get(`${namespace}/${name}`);
      if (!job) return Promise.reject(new Error(`no PingSource ${namespace}/${name}`));
      return job.tick();
    },
    nextRuns() {
      return new Map([...jobs].map(([label, job]) => [label, job.cron.nextRun()]));
    },
    async stop() {
      for (const job of jobs.values()) job.cron.stop();
      // Events in flight finish: their retries are bounded (PING_DELIVERY), well under a minute.
      if (inflight.size > 0) await Promise.allSettled([...inflight]);
      stopping.abort();
    },
  };
}
