import type { CompiledFilter } from './filter/types.ts';
import type { Broker, ResolvedDelivery, ResourceOrigin, ResourceStatus, Trigger } from './resources/types.ts';

/**
 * One immutable snapshot of everything the data plane needs: built by `control` from resources,
 * consumed by ingress and dispatcher, which react to a new generation as a diff.
 */
export interface Contract {
  /** Increases by one with every change. */
  readonly generation: number;
  /** Keyed by `${namespace}/${name}`. */
  readonly brokers: ReadonlyMap<string, BrokerEntry>;
  /** Every trigger, ready or not, keyed by `${namespace}/${name}`. */
  readonly triggers: ReadonlyMap<string, TriggerEntry>;
}

export interface BrokerEntry {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** Main topic of the broker. */
  readonly topic: string;
  /** Waiting retries (durable, so a failing subscriber never holds the main stream). */
  readonly retryTopic: string;
  /** Events that could not be delivered nor given to a dead-letter sink. */
  readonly deadLetterTopic: string;
  readonly partitions: number;
  readonly replicationFactor: number | undefined;
  /** The broker's delivery defaults, with built-ins applied. */
  readonly delivery: ResolvedDelivery;
  readonly resource: Broker;
  readonly origin: ResourceOrigin;
  readonly status: ResourceStatus;
}

export interface TriggerEntry {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** Broker name, in the trigger's namespace. */
  readonly broker: string;
  /** Subscriber URL with `ref` resolved; undefined when it cannot be resolved (then not ready). */
  readonly subscriberUri: string | undefined;
  /** Trigger delivery over broker delivery over built-ins. */
  readonly delivery: ResolvedDelivery;
  /** Compiled once when the trigger loads; undefined when the filter is invalid (then not ready). */
  readonly filter: CompiledFilter | undefined;
  /** eventyard.dev/max-in-flight annotation, default 100. */
  readonly maxInFlight: number;
  /** eventyard.dev/delivery-order annotation. */
  readonly ordered: boolean;
  readonly resource: Trigger;
  readonly origin: ResourceOrigin;
  readonly status: ResourceStatus;
}

export function resourceKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
