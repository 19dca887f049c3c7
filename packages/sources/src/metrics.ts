import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Label `source` is `namespace/name`; `kind` is webhook or ping. */
export interface SourceMetrics {
  /** Webhook requests by the HTTP status answered. */
  readonly requests: Counter<'source' | 'code'>;
  /** Events by outcome: accepted, duplicate, rejected, failed, unauthorized, unmappable. */
  readonly events: Counter<'kind' | 'source' | 'outcome'>;
  /** Every POST to the sink by its HTTP status, or `error` when the sink was not reached. */
  readonly sinkAttempts: Counter<'kind' | 'source' | 'code'>;
  /** From receiving (or scheduling) an event to the sink's final answer, retries included. */
  readonly publishDuration: Histogram<'kind' | 'source'>;
  /** Ids remembered by a webhook source's deduplication window. */
  readonly dedupEntries: Gauge<'source'>;
  /** When a ping source last fired, as Unix seconds. */
  readonly lastTick: Gauge<'source'>;
}

/** Registers the source metrics on `registry` (one registry per process, as the broker does). */
export function createSourceMetrics(registry: Registry): SourceMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'eventyard_source_webhook_requests_total',
      help: 'Webhook requests received, by the HTTP status answered',
      labelNames: ['source', 'code'],
      registers,
    }),
    events: new Counter({
      name: 'eventyard_source_events_total',
      help: 'Events a source produced, by outcome (accepted, duplicate, rejected, failed, unauthorized, unmappable)',
      labelNames: ['kind', 'source', 'outcome'],
      registers,
    }),
    sinkAttempts: new Counter({
      name: 'eventyard_source_sink_attempts_total',
      help: 'POSTs to the sink, by HTTP status (error: not reached)',
      labelNames: ['kind', 'source', 'code'],
      registers,
    }),
    publishDuration: new Histogram({
      name: 'eventyard_source_publish_duration_seconds',
      help: 'Time from an event to the sink accepting or refusing it, retries included',
      labelNames: ['kind', 'source'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    dedupEntries: new Gauge({
      name: 'eventyard_source_dedup_entries',
      help: 'Event ids remembered by a webhook source for deduplication',
      labelNames: ['source'],
      registers,
    }),
    lastTick: new Gauge({
      name: 'eventyard_source_ping_last_tick_timestamp_seconds',
      help: 'When a ping source last fired (Unix time)',
      labelNames: ['source'],
      registers,
    }),
  };
}
