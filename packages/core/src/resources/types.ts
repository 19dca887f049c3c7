/**
 * The resource model: Knative Eventing's `Broker` and `Trigger` (eventing.knative.dev/v1), accepted
 * unchanged, and the same kinds under `eventyard.dev/v1` (a superset). Field names follow Knative's
 * Go types (pkg/apis/eventing/v1, pkg/apis/duck/v1) so the YAML users already have works.
 */

export const EVENTYARD_API_VERSION = 'eventyard.dev/v1';
export const KNATIVE_API_VERSION = 'eventing.knative.dev/v1';
export type ApiVersion = typeof EVENTYARD_API_VERSION | typeof KNATIVE_API_VERSION;

export interface ObjectMeta {
  name: string;
  /** Defaults to "default", as kubectl does. */
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
}

/** duck/v1 KReference. */
export interface KReference {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** duck/v1 Destination: a `ref`, a `uri`, or both (then `uri` is resolved against the ref's URL). */
export interface Destination {
  ref?: KReference;
  uri?: string;
  CACerts?: string;
  audience?: string;
}

export type BackoffPolicy = 'linear' | 'exponential';

/** duck/v1 DeliverySpec, durations as ISO 8601 strings exactly as written. */
export interface DeliverySpec {
  deadLetterSink?: Destination;
  retry?: number;
  backoffPolicy?: BackoffPolicy;
  backoffDelay?: string;
  timeout?: string;
  retryAfterMax?: string;
  /** Knative's `delivery.format`: how events are sent to the subscriber. Default binary. */
  format?: 'json' | 'binary';
}

/** Knative's SubscriptionsAPIFilter: exactly one dialect per object. */
export interface SubscriptionsApiFilter {
  exact?: Record<string, string>;
  prefix?: Record<string, string>;
  suffix?: Record<string, string>;
  all?: SubscriptionsApiFilter[];
  any?: SubscriptionsApiFilter[];
  not?: SubscriptionsApiFilter;
  cel?: string;
  /** CloudEvents SQL v1 (Knative's dialect). */
  cesql?: string;
  /** The name of `cesql` before Knative 1.15. */
  sql?: string;
  /** Any other key is an unknown dialect, refused with its path. */
  [dialect: string]: unknown;
}

export interface BrokerSpec {
  /** Knative: a reference to the broker's config (ConfigMap); kept but not interpreted. */
  config?: KReference;
  delivery?: DeliverySpec;
  /** eventyard.dev only: the topic to use instead of the template's. */
  topic?: string;
  /** eventyard.dev only: partitions of a created topic. */
  partitions?: number;
  /** eventyard.dev only: replication factor of a created topic (Kafka). */
  replicationFactor?: number;
}

export interface Broker {
  apiVersion: ApiVersion;
  kind: 'Broker';
  metadata: ObjectMeta;
  spec: BrokerSpec;
}

export interface TriggerSpec {
  broker: string;
  /** Knative's original filter: exact attribute match, "" = attribute must exist. */
  filter?: { attributes?: Record<string, string> };
  /** Knative's new filters; when non-empty they win over `filter`. All must match. */
  filters?: SubscriptionsApiFilter[];
  subscriber: Destination;
  delivery?: DeliverySpec;
}

export interface Trigger {
  apiVersion: ApiVersion;
  kind: 'Trigger';
  metadata: ObjectMeta;
  spec: TriggerSpec;
}

export type Resource = Broker | Trigger;

/** Where a resource came from, so every error can name it. */
export interface ResourceOrigin {
  /** File path, or `kubernetes` for the API server. */
  file: string;
  /** 0-based index of the document in a multi-document YAML file. */
  document: number;
}

/** Delivery settings with durations in milliseconds and every default applied. */
export interface ResolvedDelivery {
  /** Retries after the first attempt (Knative `retry`). */
  retry: number;
  backoffPolicy: BackoffPolicy;
  backoffDelayMs: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Upper bound on an honoured Retry-After. */
  retryAfterMaxMs: number;
  format: 'json' | 'binary';
  /** Resolved dead-letter sink URL (trigger's, else broker's), if any. */
  deadLetterUri: string | undefined;
}

/** A Ready condition as reported back (Kubernetes status or the CLI table). */
export interface ResourceStatus {
  ready: boolean;
  /** CamelCase reason when not ready: BrokerNotFound, FilterInvalid, SubscriberInvalid, ... */
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** A Broker or Trigger that passed validation, with where it came from. */
export interface LoadedResource {
  resource: Broker | Trigger;
  origin: ResourceOrigin;
}

/**
 * Something wrong with a resource, named so a person can find it: the file, the document, the
 * resource when known, the JSON pointer of the field and the reason in plain words.
 */
export interface Problem {
  file: string;
  /** 0-based index of the document in the file, as in `ResourceOrigin` (shown 1-based to people). */
  document: number;
  kind?: string;
  name?: string;
  namespace?: string;
  /** JSON pointer of the failing field, e.g. `/spec/delivery/backoffDelay`; "" for the whole document. */
  path: string;
  message: string;
}
