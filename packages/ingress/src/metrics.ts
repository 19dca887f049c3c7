import { Counter, Histogram, type Registry } from 'prom-client';
import { type TypeSeries, TypeSeriesBound } from './type-series.ts';

/** Event types with their own series per broker, unless configured (`--metrics-event-types`). */
export const DEFAULT_METRIC_EVENT_TYPES = 100;

type EventLabel = 'namespace' | 'broker' | 'event_type' | 'code';

/**
 * Ingress metrics, named after Knative's broker ingress metrics (`event_count`,
 * `event_dispatch_latencies`) with our prefix, labelled so a dashboard can split by tenant.
 */
export interface IngressMetrics {
  /**
   * Events accepted or rejected, by namespace, broker, event type and HTTP status. Counted through
   * `count` or a broker's `BrokerMetrics`, which keep the event types bounded.
   */
  events: Counter<EventLabel>;
  /** Requests not received in full within the request timeout (answered 408). */
  requestTimeouts: Counter;
  /** Whole request latency including the durable append. */
  requestDuration: Histogram<'namespace' | 'broker' | 'code'>;
  /** The accepted-path view of one broker (the same object for the same broker, across contracts). */
  forBroker(namespace: string, broker: string): BrokerMetrics;
  /** One event (or request) of `eventType` answered `code`; namespace and broker empty when unknown. */
  count(namespace: string, broker: string, eventType: string, code: number): void;
}

/**
 * What the ingress records for each event of one broker, without prom-client's label validation and
 * hashing per event: events are tallied per event type here and added to `events` when the registry
 * is read (the counter's `collect`), so a scrape sees exactly what a per-event `inc` would have
 * shown.
 *
 * `ce-type` is chosen by senders, so it cannot be a label as it is: every new value would be a
 * series for the life of the process. The `maxEventTypes` most frequent types of the broker keep
 * their own series and the others are counted as `other`; a type that falls out of the top has its
 * series removed and its counts added to `other`, so the counts of a broker still add up.
 */
export class BrokerMetrics {
  readonly namespace: string;
  readonly broker: string;
  readonly #duration: Histogram<'namespace' | 'broker' | 'code'>;
  /** One labels object for every accepted request's latency (prom-client keeps no per-call copy). */
  readonly #durationLabels: { namespace: string; broker: string; code: number };
  readonly #types: TypeSeriesBound;

  constructor(
    namespace: string,
    broker: string,
    duration: Histogram<'namespace' | 'broker' | 'code'>,
    maxEventTypes: number,
  ) {
    this.namespace = namespace;
    this.broker = broker;
    this.#duration = duration;
    this.#durationLabels = { namespace, broker, code: 202 };
    this.#types = new TypeSeriesBound(maxEventTypes);
  }

  /** One more event of this type accepted (202). */
  accepted(eventType: string): void {
    this.#types.series(eventType).accepted++;
  }

  /** One more event (or request, when the type is not known: '') of this type answered `code`. */
  answered(eventType: string, code: number): void {
    if (code === 202) {
      this.accepted(eventType);
      return;
    }
    const series = this.#types.series(eventType);
    series.pending.set(code, (series.pending.get(code) ?? 0) + 1);
  }

  /** The latency of a request answered 202, in seconds. */
  observeAccepted(seconds: number): void {
    this.#duration.observe(this.#durationLabels, seconds);
  }

  /** Moves the tallies into the counter, then lets the most frequent types since the last time in. */
  flush(events: Counter<EventLabel>): void {
    for (const series of this.#types.all()) this.#flushSeries(series, events);
    this.#types.rank((demoted, other) => {
      for (const [code, count] of demoted.totals) {
        events.remove(this.#labels(demoted.eventType, code));
        events.inc(this.#labels(other.eventType, code), count);
        other.totals.set(code, (other.totals.get(code) ?? 0) + count);
      }
    });
  }

  #flushSeries(series: TypeSeries, events: Counter<EventLabel>): void {
    if (series.accepted > 0) {
      series.acceptedLabels ??= this.#labels(series.eventType, 202);
      events.inc(series.acceptedLabels, series.accepted);
      series.totals.set(202, (series.totals.get(202) ?? 0) + series.accepted);
      series.accepted = 0;
    }
    if (series.pending.size === 0) return;
    for (const [code, count] of series.pending) {
      events.inc(this.#labels(series.eventType, code), count);
      series.totals.set(code, (series.totals.get(code) ?? 0) + count);
    }
    series.pending.clear();
  }

  #labels(eventType: string, code: number): Record<EventLabel, string | number> {
    return { namespace: this.namespace, broker: this.broker, event_type: eventType, code };
  }
}

export function createIngressMetrics(
  registry: Registry,
  options: { maxEventTypes?: number } = {},
): IngressMetrics {
  const maxEventTypes = options.maxEventTypes ?? DEFAULT_METRIC_EVENT_TYPES;
  const brokers = new Map<string, BrokerMetrics>();
  const events: Counter<EventLabel> = new Counter({
    name: 'eventyard_ingress_events_total',
    help: `CloudEvents received by the broker ingress, by outcome (HTTP status); per broker the ${maxEventTypes} most frequent event types have their own series, the others are counted as event_type="other".`,
    labelNames: ['namespace', 'broker', 'event_type', 'code'],
    registers: [registry],
    collect() {
      for (const broker of brokers.values()) broker.flush(events);
    },
  });
  const requestDuration = new Histogram({
    name: 'eventyard_ingress_request_duration_seconds',
    help: 'Time from request received to answer sent, including the durable append.',
    labelNames: ['namespace', 'broker', 'code'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const forBroker = (namespace: string, broker: string): BrokerMetrics => {
    // A NUL cannot appear in a namespace or name, so the key is unambiguous.
    const key = `${namespace}\u0000${broker}`;
    let metrics = brokers.get(key);
    if (metrics === undefined) {
      metrics = new BrokerMetrics(namespace, broker, requestDuration, maxEventTypes);
      brokers.set(key, metrics);
    }
    return metrics;
  };
  const requestTimeouts = new Counter({
    name: 'eventyard_ingress_request_timeouts_total',
    help: 'Requests whose headers and body did not arrive within --request-timeout (answered 408).',
    registers: [registry],
  });
  return {
    events,
    requestTimeouts,
    requestDuration,
    forBroker,
    count(namespace, broker, eventType, code) {
      forBroker(namespace, broker).answered(eventType, code);
    },
  };
}
