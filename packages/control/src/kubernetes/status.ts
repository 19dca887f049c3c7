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

function readyCondition(status: Record<string, unknown>): Condition | undefined {
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  return conditions.find(
    (condition): condition is Condition => isObject(condition) && condition.type === 'Ready',
  );
}

/** Everything the status says except when it last changed. */
function comparable(status: Record<string, unknown>, kind: 'Broker' | 'Trigger') {
  const ready = readyCondition(status);
  return {
    observedGeneration: status.observedGeneration,
    ready:
      ready === undefined
        ? undefined
        : { status: ready.status, reason: ready.reason, message: ready.message },
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
  const wanted = {
    observedGeneration: desired.observedGeneration,
    ready: { status: readyStatus, reason: condition.reason, message: condition.message },
    target,
  };
  if (isDeepStrictEqual(comparable(before, kind), wanted)) return undefined;

  const previous = readyCondition(before);
  condition.lastTransitionTime =
    previous?.status === readyStatus && typeof previous.lastTransitionTime === 'string'
      ? previous.lastTransitionTime
      : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  // Merge patch: null removes a field; the other conditions (written by someone else) are kept.
  const others = (Array.isArray(before.conditions) ? before.conditions : []).filter(
    (other) => !(isObject(other) && other.type === 'Ready'),
  );
  const patch: Record<string, unknown> = {
    observedGeneration: desired.observedGeneration ?? null,
    conditions: [...others, condition],
  };
  if (kind === 'Broker') patch.address = target === undefined ? null : { url: target };
  else patch.subscriberUri = target ?? null;
  return patch;
}
