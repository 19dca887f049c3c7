import type { BackoffPolicy, CelProgram, CloudEvent } from '@eventyard/core';

/** The API group of our own source kinds. */
export const SOURCES_API_VERSION = 'sources.eventyard.dev/v1';
/** Knative's source kinds (PingSource), accepted unchanged. */
export const KNATIVE_SOURCES_API_VERSION = 'sources.knative.dev/v1';

/** Resource identity of a source: metadata.namespace / metadata.name. */
export interface SourceName {
  namespace: string;
  name: string;
}

/** How a source retries a POST to its sink (a broker, usually), durations resolved to milliseconds. */
export interface SinkDelivery {
  /** Retries after the first attempt. */
  retry: number;
  backoffPolicy: BackoffPolicy;
  backoffDelayMs: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Upper bound on an honoured Retry-After (429/503). */
  retryAfterMaxMs: number;
}

/** The delivery spec as written (ISO 8601 durations), every field optional. */
export interface SinkDeliverySpec {
  retry?: number;
  backoffPolicy?: BackoffPolicy;
  backoffDelay?: string;
  timeout?: string;
  retryAfterMax?: string;
}

/** What became of one event sent to a sink. */
export type PublishResult =
  | { ok: true; status: number; attempts: number }
  | {
      ok: false;
      /** The sink's last HTTP status; undefined when it was never reached (refused, timed out). */
      status: number | undefined;
      /** The sink's error `code` when its body carried one (the broker's `EY_*`). */
      code: string | undefined;
      /** Why: the sink's message, or the transport error. */
      message: string;
      attempts: number;
      /** True when the sink may accept it later (5xx, 429, unreachable); false for a rejection. */
      retriable: boolean;
      /** The sink's last Retry-After, in seconds, when it sent one. */
      retryAfterSeconds: number | undefined;
    };

/** Sends CloudEvents to one sink URL in binary content mode, with retries. */
export interface Publisher {
  readonly sink: string;
  publish(event: CloudEvent, signal?: AbortSignal): Promise<PublishResult>;
}

/** The injectable I/O a publisher uses, so units can run without sockets or real time. */
export interface PublisherIo {
  fetch?: typeof fetch;
  /** Waits `ms` (rejecting when `signal` aborts). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Called after every attempt with its HTTP status, or 'error' when the sink was not reached. */
  onAttempt?: (outcome: number | 'error') => void;
}

// ---------------------------------------------------------------- webhook source

/** spec.signature as written. */
export interface SignatureSpec {
  /** The shared secret itself (prefer secretEnv or secretFile outside of tests). */
  secret?: string;
  /** Name of the environment variable holding the secret. */
  secretEnv?: string;
  /** Path of a file holding the secret (trailing newline ignored), e.g. a mounted Kubernetes Secret. */
  secretFile?: string;
  /** Request header carrying the signature, e.g. x-hub-signature-256. */
  header: string;
  algorithm?: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  /** Text before the digest in the header, e.g. `sha256=`. */
  prefix?: string;
  encoding?: 'hex' | 'base64';
}

/** spec.mapping as written: a CEL expression per attribute. */
export interface MappingSpec {
  type: string;
  source?: string;
  id?: string;
  subject?: string;
  time?: string;
  dataschema?: string;
  extensions?: Record<string, string>;
  /** The event data; absent: the request body unchanged, with the request's content type. */
  data?: string;
}

export interface WebhookSourceSpec {
  sink: { uri: string };
  /** Path the webhook is received on; default `/`. */
  path?: string;
  mapping: MappingSpec;
  signature?: SignatureSpec;
  dedup?: { window?: string; maxEntries?: number };
  delivery?: SinkDeliverySpec;
}

/** A `WebhookSource` resource as written in YAML or JSON. */
export interface WebhookSourceResource {
  apiVersion: string;
  kind: 'WebhookSource';
  metadata: { name: string; namespace?: string };
  spec: WebhookSourceSpec;
}

/** A mapping compiled once: one CEL program per attribute. */
export interface CompiledMapping {
  /** Attribute name → program; `type` always, the others when configured. */
  attributes: ReadonlyMap<string, CelProgram>;
  data: CelProgram | undefined;
}

/** The resolved signature check: the secret read once, at load. */
export interface SignatureCheck {
  secret: Buffer;
  /** Lower-case header name. */
  header: string;
  algorithm: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  prefix: string;
  encoding: 'hex' | 'base64';
}

/** A validated, compiled webhook source, ready to serve. */
export interface WebhookSourceConfig extends SourceName {
  sink: string;
  path: string;
  mapping: CompiledMapping;
  /** The default `source` attribute when the mapping has none. */
  defaultSource: string;
  signature: SignatureCheck | undefined;
  /** 0 disables deduplication. */
  dedupWindowMs: number;
  dedupMaxEntries: number;
  delivery: SinkDelivery;
}

/** The variables every mapping expression sees. */
export interface WebhookRequest {
  /** Parsed JSON, form fields as a map, or the text of any other body. */
  body: unknown;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Query parameters (the last value of a repeated one). */
  query: Record<string, string>;
  method: string;
  path: string;
}

// ---------------------------------------------------------------- ping source

/** spec of Knative's PingSource (sources.knative.dev/v1), as written. */
export interface PingSourceSpec {
  schedule?: string;
  timezone?: string;
  contentType?: string;
  data?: string;
  dataBase64?: string;
  sink: { uri?: string; ref?: { apiVersion?: string; kind: string; name: string; namespace?: string } };
  ceOverrides?: { extensions?: Record<string, string> };
}

export interface PingSourceResource {
  apiVersion: string;
  kind: 'PingSource';
  metadata: { name: string; namespace?: string };
  spec: PingSourceSpec;
}

/** A validated PingSource, ready to schedule. */
export interface PingSourceConfig extends SourceName {
  sink: string;
  /** Cron pattern, 5 fields or 6 with seconds first. */
  schedule: string;
  timezone: string | undefined;
  contentType: string | undefined;
  data: Uint8Array | undefined;
  extensions: Record<string, string>;
  delivery: SinkDelivery;
}

/** One problem in a source file: the file, document, JSON pointer and reason. */
export interface SourceProblem {
  file: string;
  document: number;
  path: string;
  message: string;
}
