import type { ResourceType } from './types.ts';

export const EVENTYARD_BROKERS: ResourceType = {
  group: 'eventyard.dev',
  version: 'v1',
  plural: 'brokers',
  kind: 'Broker',
  ownsStatus: true,
};
export const EVENTYARD_TRIGGERS: ResourceType = {
  group: 'eventyard.dev',
  version: 'v1',
  plural: 'triggers',
  kind: 'Trigger',
  ownsStatus: true,
};
export const KNATIVE_BROKERS: ResourceType = {
  group: 'eventing.knative.dev',
  version: 'v1',
  plural: 'brokers',
  kind: 'Broker',
  ownsStatus: false,
};
export const KNATIVE_TRIGGERS: ResourceType = {
  group: 'eventing.knative.dev',
  version: 'v1',
  plural: 'triggers',
  kind: 'Trigger',
  ownsStatus: false,
};

/** Knative's annotation naming the implementation that reconciles a Broker. */
export const BROKER_CLASS_ANNOTATION = 'eventing.knative.dev/broker.class';

/** The API path of a kind, in every namespace or in one. */
export function resourcePath(type: ResourceType, namespace: string | undefined): string {
  const base = `/apis/${type.group}/${type.version}`;
  return namespace === undefined
    ? `${base}/${type.plural}`
    : `${base}/namespaces/${namespace}/${type.plural}`;
}

export function describeType(type: ResourceType): string {
  return `${type.group}/${type.version} ${type.plural}`;
}
