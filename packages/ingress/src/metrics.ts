import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Ingress metrics, named after Knative's broker ingress metrics (`event_count`,
 * `event_dispatch_latencies`) with our prefix, labelled so a dashboard can split by tenant.
 */
export interface IngressMetrics {
  /** Events accepted or rejected, by namespace, broker, event type and HTTP status. */
  events: Counter<'namespace' | 'broker' | 'event_type' | 'code'>;
  /** Whole request latency including the durable append. */
  requestDuration: Histogram<'namespace' | 'broker' | 'code'>;
  /** The accepted-path view of one broker (the same object for the same broker, across contracts). */
  forBroker(namespace: string, broker: string): BrokerMetrics;
}

/**
 * What the ingress records for each event it accepts, without prom-client's label validation and
 * hashing per event: accepted events are tallied per event type here and added to `events` when
 * the registry is read (the counter's `collect`), so a scrape sees exactly what a per-event `inc`
 * would have shown.
 */
export class BrokerMetrics {
  readonly namespace: string;
  readonly broker: string;
  readonly #duration: Histogram<'namespace' | 'broker' | 'code'>;
  /** One labels object for every accepted request's latency (prom-client keeps no per-call copy). */
  readonly #durationLabels: { namespace: string; broker: string; code: number };
  readonly #accepted = new Map<string, number>();

  constructor(namespace: string, broker: string, duration: Histogram<'namespace' | 'broker' | 'code'>) {
    this.namespace = namespace;
    this.broker = broker;
    this.#duration = duration;
    this.#durationLabels = { namespace, broker, code: 202 };
  }

  /** One more event of this type accepted (202). */
  accepted(eventType: string): void {
    this.#accepted.set(eventType, (this.#accepted.get(eventType) ?? 0) + 1);
  }

  /** The latency of a request answered 202, in seconds. */
  observeAccepted(seconds: number): void {
    this.#duration.observe(this.#durationLabels, seconds);
  }

  /** Moves the tallies into the counter. */
  flush(events: Counter<'namespace' | 'broker' | 'event_type' | 'code'>): void {
    if (this.#accepted.size === 0) return;
    for (const [eventType, count] of this.#accepted) {
      events.inc({ namespace: this.namespace, broker: this.broker, event_type: eventType, code: 202 }, count);
    }
    this.#accepted.clear();
  }
}

export function createIngressMetrics(registry: Registry): IngressMetrics {
  const brokers = new Map<string, BrokerMetrics>();
  const events: Counter<'namespace' | 'broker' | 'event_type' | 'code'> = new Counter({
    name: 'eventyard_ingress_events_total',
    help: 'CloudEvents received by the broker ingress, by outcome (HTTP status).',
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
  return {
    events,
    requestDuration,
    forBroker(namespace, broker) {
      // A NUL cannot appear in a namespace or name, so the key is unambiguous.
      const key = `${namespace}\u0000${broker}`;
      let metrics = brokers.get(key);
      if (metrics === undefined) {
        metrics = new BrokerMetrics(namespace, broker, requestDuration);
        brokers.set(key, metrics);
      }
      return metrics;
    },
  };
}
