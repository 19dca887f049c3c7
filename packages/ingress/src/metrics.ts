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
}

export function createIngressMetrics(registry: Registry): IngressMetrics {
  return {
    events: new Counter({
      name: 'eventyard_ingress_events_total',
      help: 'CloudEvents received by the broker ingress, by outcome (HTTP status).',
      labelNames: ['namespace', 'broker', 'event_type', 'code'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'eventyard_ingress_request_duration_seconds',
      help: 'Time from request received to answer sent, including the durable append.',
      labelNames: ['namespace', 'broker', 'code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
