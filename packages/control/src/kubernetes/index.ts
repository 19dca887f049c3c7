// Resources from a Kubernetes API server into Contracts, with status written back.
import type { ControlPlane } from '../types.ts';
import type { KubernetesControlOptions } from './types.ts';

export type { KubernetesControlOptions, LeaseOptions } from './types.ts';

/**
 * Serves a Contract built from the eventyard.dev/v1 Broker and Trigger resources of a Kubernetes
 * API server (and Knative's, with `knative`), the same Contract `startFileControl` builds from
 * files: informers list and watch them (reconnecting after failures, resuming from the last
 * resourceVersion), every change makes a new generation, and each resource's status says whether
 * it is Ready and why not (BrokerNotFound, FilterInvalid, SubscriberInvalid, ResourceInvalid, ...),
 * with `observedGeneration`, a Broker's `address.url` and a Trigger's `subscriberUri`. Status is
 * written by one replica, elected through a coordination.k8s.io Lease. Resolves once every
 * resource has been listed; rejects with EY_KUBERNETES_UNAVAILABLE when that does not happen
 * within `startTimeoutMs`.
 */
export async function startKubernetesControl(options: KubernetesControlOptions = {}): Promise<ControlPlane> {
  // @kubernetes/client-node takes half a second to load: only a process that uses it pays for it.
  const { runKubernetesControl } = await import('./kubernetes-control.ts');
  return runKubernetesControl(options);
}
