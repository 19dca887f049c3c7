import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';

type TriggerLabel = 'namespace' | 'broker' | 'trigger';

/**
 * Dispatcher metrics, per trigger where it makes sense so a dashboard can find the failing
 * subscriber. Named after Knative's broker filter metrics (`event_count`, `event_dispatch_latencies`)
 * with our prefix; `eventyard_consumer_lag` is shaped for a KEDA Prometheus scaler
 * (`sum(eventyard_consumer_lag{broker="..."})`).
 */
export interface DispatchMetrics {
  /** Delivery attempts by outcome: 2xx/3xx/4xx/5xx, `timeout`, or `network`. */
  events: Counter<TriggerLabel | 'response_code_class'>;
  /** From ingress arrival (`knativearrivaltime`) to the subscriber's 2xx. */
  latency: Histogram<TriggerLabel>;
  /** Retries scheduled (in place or through the retry topic). */
  retries: Counter<TriggerLabel>;
  /** Events given up on: to the dead-letter `sink`, or to the broker's dead-letter `topic`. */
  deadLetters: Counter<TriggerLabel | 'destination'>;
  /** CEL evaluations that failed (counted as no match). */
  filterErrors: Counter<TriggerLabel>;
  /** Replies by outcome: `appended`, `ttl_exhausted` (loop guard), `invalid`. */
  replies: Counter<TriggerLabel | 'outcome'>;
  inFlight: Gauge<TriggerLabel>;
  queueLength: Gauge<TriggerLabel>;
  /** Records not yet committed (end offset − committed, summed over partitions). */
  lag: Gauge<'namespace' | 'broker' | 'topic'>;
  /** The live triggers' bound metrics, read when a scrape collects the figures they keep. */
  triggers: Set<BoundTriggerMetrics>;
}

/** One set of bound triggers per registry, shared like the metrics are (see `reuse`). */
const triggersByRegistry = new WeakMap<Registry, Set<BoundTriggerMetrics>>();

const TRIGGER_LABELS: TriggerLabel[] = ['namespace', 'broker', 'trigger'];

export function createDispatchMetrics(registry: Registry): DispatchMetrics {
  let triggers = triggersByRegistry.get(registry);
  if (triggers === undefined) {
    triggers = new Set();
    triggersByRegistry.set(registry, triggers);
  }
  const bound = triggers;
  return {
    triggers: bound,
    events: reuse(
      registry,
      'eventyard_dispatch_events_total',
      (name) =>
        new Counter({
          name,
          help: 'Delivery attempts to subscribers, by response code class (2xx, 4xx, 5xx, timeout, network).',
          labelNames: [...TRIGGER_LABELS, 'response_code_class'],
          registers: [registry],
          collect() {
            for (const trigger of bound) trigger.collectAttempts();
          },
        }),
    ),
    latency: reuse(
      registry,
      'eventyard_dispatch_latency_seconds',
      (name) =>
        new Histogram({
          name,
          help: 'Time from ingress arrival to a 2xx from the subscriber.',
          labelNames: TRIGGER_LABELS,
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
          registers: [registry],
        }),
    ),
    retries: reuse(
      registry,
      'eventyard_dispatch_retries_total',
      (name) =>
        new Counter({
          name,
          help: 'Retries scheduled after a failed delivery attempt.',
          labelNames: TRIGGER_LABELS,
          registers: [registry],
        }),
    ),
    deadLetters: reuse(
      registry,
      'eventyard_dispatch_dead_letters_total',
      (name) =>
        new Counter({
          name,
          help: 'Events given up on, by where they went: the dead-letter sink or the broker dead-letter topic.',
          labelNames: [...TRIGGER_LABELS, 'destination'],
          registers: [registry],
        }),
    ),
    filterErrors: reuse(
      registry,
      'eventyard_filter_errors_total',
      (name) =>
        new Counter({
          name,
          help: 'Filter evaluations that failed at run time (counted as no match).',
          labelNames: TRIGGER_LABELS,
          registers: [registry],
        }),
    ),
    replies: reuse(
      registry,
      'eventyard_dispatch_replies_total',
      (name) =>
        new Counter({
          name,
          help: 'CloudEvents replied by subscribers, by outcome: appended, ttl_exhausted (loop guard), invalid.',
          labelNames: [...TRIGGER_LABELS, 'outcome'],
          registers: [registry],
        }),
    ),
    inFlight: reuse(
      registry,
      'eventyard_trigger_in_flight',
      (name) =>
        new Gauge({
          name,
          help: 'Deliveries in progress per trigger.',
          labelNames: TRIGGER_LABELS,
          registers: [registry],
          collect() {
            for (const trigger of bound) trigger.collectInFlight();
          },
        }),
    ),
    queueLength: reuse(
      registry,
      'eventyard_trigger_queue_length',
      (name) =>
        new Gauge({
          name,
          help: 'Events waiting for a delivery slot per trigger.',
          labelNames: TRIGGER_LABELS,
          registers: [registry],
          collect() {
            for (const trigger of bound) trigger.collectQueueLength();
          },
        }),
    ),
    lag: reuse(
      registry,
      'eventyard_consumer_lag',
      (name) =>
        new Gauge({
          name,
          help: 'Records of a broker topic not yet committed by the dispatcher (end offset minus committed offset, summed over partitions).',
          labelNames: ['namespace', 'broker', 'topic'],
          registers: [registry],
        }),
    ),
  };
}

/** A metric already registered under `name` (an earlier dispatcher on the same registry), or a new one. */
function reuse<M extends Metric>(registry: Registry, name: string, create: (name: string) => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create(name);
}

/** The label values of one trigger, bound once when the trigger loads (no per-event label objects). */
export interface TriggerMetrics {
  readonly labels: { namespace: string; broker: string; trigger: string };
  attempt(responseCodeClass: string): void;
  latency(seconds: number): void;
  retry(): void;
  deadLetter(destination: 'sink' | 'topic'): void;
  filterError(): void;
  reply(outcome: 'appended' | 'ttl_exhausted' | 'invalid'): void;
  inFlight(value: number): void;
  queueLength(value: number): void;
  /** Removes this trigger's gauges (the trigger is gone); counters stay, as Prometheus expects. */
  remove(): void;
}

/** Attempts of one response code class not yet added to the counter. */
interface PendingAttempts {
  readonly labels: Record<string, string>;
  count: number;
}

/**
 * One object per trigger whose methods call the metrics with label objects built once. Not
 * prom-client's `metric.labels(...)` children: those hold a bound function per method (a gauge
 * child five of them) and each method closed over its child, about 1.5 KB per trigger that a
 * broker with 10,000 triggers kept for nothing (bench/RESULTS.md, benchmark 7). A call through a
 * child and a call with the label object do the same work in prom-client.
 *
 * The figures that change on every delivery (attempts, in flight, queue length: five prom-client
 * calls per event, each hashing the label object) are kept here as plain numbers and handed to
 * prom-client when a scrape collects them; a scrape sees the same values.
 */
export class BoundTriggerMetrics implements TriggerMetrics {
  readonly labels: { namespace: string; broker: string; trigger: string };
  readonly #metrics: DispatchMetrics;
  /** Per response code class, built on first use. */
  #attempts: Map<string, PendingAttempts> | undefined;
  #inFlight = 0;
  #queueLength = 0;
  #removed = false;

  constructor(metrics: DispatchMetrics, labels: { namespace: string; broker: string; trigger: string }) {
    this.#metrics = metrics;
    this.labels = labels;
  }

  attempt(responseCodeClass: string): void {
    this.#attempts ??= new Map();
    let pending = this.#attempts.get(responseCodeClass);
    if (pending === undefined) {
      pending = { labels: { ...this.labels, response_code_class: responseCodeClass }, count: 0 };
      this.#attempts.set(responseCodeClass, pending);
    }
    pending.count++;
    // A retired trigger's last deliveries are no longer collected: counted at once.
    if (this.#removed) this.collectAttempts();
  }

  latency(seconds: number): void {
    this.#metrics.latency.observe(this.labels, seconds);
  }

  retry(): void {
    this.#metrics.retries.inc(this.labels);
  }

  deadLetter(destination: 'sink' | 'topic'): void {
    this.#metrics.deadLetters.inc({ ...this.labels, destination });
  }

  filterError(): void {
    this.#metrics.filterErrors.inc(this.labels);
  }

  reply(outcome: 'appended' | 'ttl_exhausted' | 'invalid'): void {
    this.#metrics.replies.inc({ ...this.labels, outcome });
  }

  inFlight(value: number): void {
    this.#inFlight = value;
  }

  queueLength(value: number): void {
    this.#queueLength = value;
  }

  /** Adds the attempts counted since the last collection to the counter. */
  collectAttempts(): void {
    if (this.#attempts === undefined) return;
    for (const pending of this.#attempts.values()) {
      if (pending.count === 0) continue;
      this.#metrics.events.inc(pending.labels, pending.count);
      pending.count = 0;
    }
  }

  collectInFlight(): void {
    this.#metrics.inFlight.set(this.labels, this.#inFlight);
  }

  collectQueueLength(): void {
    this.#metrics.queueLength.set(this.labels, this.#queueLength);
  }

  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    // Counters outlive the trigger, as Prometheus expects: what was counted is kept.
    this.collectAttempts();
    this.#metrics.triggers.delete(this);
    this.#metrics.inFlight.remove(this.labels);
    this.#metrics.queueLength.remove(this.labels);
  }
}

export function bindTriggerMetrics(
  metrics: DispatchMetrics,
  namespace: string,
  broker: string,
  trigger: string,
): TriggerMetrics {
  const bound = new BoundTriggerMetrics(metrics, { namespace, broker, trigger });
  metrics.triggers.add(bound);
  return bound;
}
