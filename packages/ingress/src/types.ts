import type { Contract } from '@eventyard/core';
import type { EventLog } from '@eventyard/log';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';

export interface IngressOptions {
  /** Where accepted events are appended; a 202 is sent only after it acknowledged them. */
  log: EventLog;
  /** Metrics are registered here; `/metrics` serves this registry. */
  registry: Registry;
  /** Largest accepted request body in bytes (413 above). Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Event types with their own `eventyard_ingress_events_total` series per broker: the most frequent
   * ones; the others are counted as `other`. Default 100.
   */
  metricEventTypes?: number;
  /**
   * Longest time a client may take to send a whole request, headers and body, in milliseconds
   * (408 after it). Default 30 s: a body trickled byte by byte cannot hold a connection for long.
   */
  requestTimeoutMs?: number;
  logger?: FastifyBaseLogger;
  /** Clock for `knativearrivaltime`; injectable for tests. */
  now?: () => number;
  /** Extra readiness condition (e.g. resources loaded); `/readyz` also checks that the log is writable. */
  ready?: () => boolean;
}

/** The routing view of one broker: where its events go. */
export interface BrokerRoute {
  readonly namespace: string;
  readonly name: string;
  readonly topic: string;
}

export interface OpsRouteOptions {
  registry: Registry;
  /** Each check must pass for `/readyz` to answer 200; the failing ones are named in the body. */
  readinessChecks: Record<string, () => boolean | Promise<boolean>>;
}

export type { Contract };
