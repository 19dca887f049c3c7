import { isDeepStrictEqual } from 'node:util';

/** What the status of one Broker or Trigger should say. */
export interface DesiredStatus {
  ready: boolean;
  /** CamelCase, when not ready: BrokerNotFound, FilterInvalid, SubscriberInvalid, ResourceInvalid, ... */
  reason?: string;
  message?: string;
  /** The metadata.generation these conclusions were drawn from. */
  observedGeneration?: number;
  /** Broker: where to POST events (Knative's status.address.url). */
  addressUrl?: string;
  /** Trigger: the resolved subscriber (Knative's status.subscriberUri). */
  subscriberUri?: string;
  /**
   * Conditions beside Ready, as Knative's reconcilers write them (a Broker's Addressable, a
   * Trigger's BrokerReady and SubscriberResolved), for Brokers of a Knative broker class.
   */
  conditions?: DesiredCondition[];
}

/** One more condition: its status, and why when it is not True. */
export interface DesiredCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function conditionOf(status: Record<string, unknown>, type: string): Condition | undefined {
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  return conditions.find(
    (condition): condition is Condition => isObject(condition) && condition.type === type,
  );
}

function readyCondition(status: Record<string, unknown>): Condition | undefined {
  return conditionOf(status, 'Ready');
}

/** Everything the status says except when it last changed (Ready, then the `types` conditions). */
function comparable(status: Record<string, unknown>, kind: 'Broker' | 'Trigger', types: string[]) {
  const ready = readyCondition(status);
  const others = types.map((type) => {
    const condition = conditionOf(status, type);
    return condition === undefined
      ? undefined
      : { status: condition.status, reason: condition.reason, message: condition.message };
  });
  return {
    observedGeneration: status.observedGeneration,
    ready:
      ready === undefined
        ? undefined
        : { status: ready.status, reason: ready.reason, message: ready.message },
    others,
    target:
      kind === 'Broker' ? (isObject(status.address) ? status.address.url : undefined) : status.subscriberUri,
  };
}

/**
 * The `status` to merge-patch onto the object (a knative.dev/pkg duck/v1 Status with a Ready
 * condition), or undefined when `current` already says the same. The condition keeps its
 * lastTransitionTime unless Ready flips (Kubernetes API conventions, "Typical status properties").
 */
export function statusPatch(
  kind: 'Broker' | 'Trigger',
  desired: DesiredStatus,
  current: unknown,
  now: Date,
): Record<string, unknown> | undefined {
  const before = isObject(current) ? current : {};
  const readyStatus = desired.ready ? 'True' : 'False';
  const condition: Condition = { type: 'Ready', status: readyStatus };
  if (desired.reason !== undefined) condition.reason = desired.reason;
  if (desired.message !== undefined) condition.message = desired.message;
  const target = kind === 'Broker' ? desired.addressUrl : desired.subscriberUri;
  const extra = (desired.conditions ?? []).filter((other) => other.type !== 'Ready');
  const types = extra.map((other) => other.type);
  const wanted = {
    observedGeneration: desired.observedGeneration,
    ready: { status: readyStatus, reason: condition.reason, message: condition.message },
    others: extra.map((other) => ({ status: other.status, reason: other.reason, message: other.message })),
    target,
  };
  if (isDeepStrictEqual(comparable(before, kind, types), wanted)) return undefined;

  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const since = (type: string, status: string): string => {
    const previous = conditionOf(before, type);
    return previous?.status === status && typeof previous.lastTransitionTime === 'string'
      ? previous.lastTransitionTime
      : stamp;
  };
  condition.lastTransitionTime = since('Ready', readyStatus);
  const written: Condition[] = extra.map((other) => {
    const next: Condition = { type: other.type, status: other.status };
    if (other.reason !== undefined) next.reason = other.reason;
    if (other.message !== undefined) next.message = other.message;
    next.lastTransitionTime = since(other.type, other.status);
    return next;
  });
  // Merge patch: null removes a field; the other conditions (written by someone else) are kept.
  const ours = new Set(['Ready', ...types]);
  const others = (Array.isArray(before.conditions) ? before.conditions : []).filter(
    (other) => !(isObject(other) && typeof other.type === 'string' && ours.has(other.type)),
  );
  const patch: Record<string, unknown> = {
    observedGeneration: desired.observedGeneration ?? null,
    conditions: [...others, ...written, condition],
  };
  if (kind === 'Broker') patch.address = target === undefined ? null : { url: target };
  else patch.subscriberUri = target ?? null;
  return patch;
}
