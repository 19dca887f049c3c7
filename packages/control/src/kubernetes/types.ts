import type { ControlLogger } from '../types.ts';

export interface LeaseOptions {
  /** Namespace of the Lease. Default: $POD_NAMESPACE, the service account's namespace, else "default". */
  namespace?: string;
  /** Default "eventyard-control". */
  name?: string;
  /** How long a leader holds the Lease without renewing it. Default 15 000 ms (client-go's default). */
  durationMs?: number;
  /** A leader that could not renew for this long stops acting as one. Default 10 000 ms. */
  renewDeadlineMs?: number;
  /** How often to try to acquire or renew. Default 2 000 ms. */
  retryPeriodMs?: number;
}

export interface KubernetesControlOptions {
  /** A kubeconfig file. Default: $KUBECONFIG, ~/.kube/config, else the pod's service account (in cluster). */
  kubeconfig?: string;
  /** Namespaces to watch. Default: every namespace (needs cluster-wide list and watch). */
  namespaces?: string[];
  /** Broker topic template, `{namespace}` and `{name}` placeholders (core's default otherwise). */
  topicTemplate?: string;
  logger?: ControlLogger;
  /**
   * Base URL of the ingress, for a Broker's `status.address.url` (`<ingressUrl>/<namespace>/<name>`).
   * Default: the Service of deploy/kubernetes, http://eventyard-ingress.eventyard.svc.cluster.local.
   */
  ingressUrl?: string;
  /** This replica's name in leader election. Default: $POD_NAME, else the host name and a random suffix. */
  identity?: string;
  /** Leader election (the replica holding the Lease writes status). */
  lease?: LeaseOptions;
  /** Write Broker and Trigger status (from the elected replica only). Default true. */
  writeStatus?: boolean;
  /**
   * Also load Knative's eventing.knative.dev/v1 Brokers and Triggers when the API server serves them
   * (checked once, at start). Their status is Knative's, so it is never written. Default false.
   */
  knative?: boolean;
  /**
   * Serve Knative's eventing.knative.dev/v1 Brokers as a Knative broker class: only Brokers whose
   * `eventing.knative.dev/broker.class` annotation is this name (e.g. "Eventyard"), and the Triggers
   * that point at them, are loaded, and their status is written (Knative-shaped). Brokers of another
   * class and their Triggers are left to the implementation that owns them. Implies `knative`.
   */
  knativeBrokerClass?: string;
  /** How often every status is compared with the resources again (repairs edits by others). Default 300 000 ms. */
  resyncMs?: number;
  /** How long start-up waits for the first complete list of every resource. Default 30 000 ms. */
  startTimeoutMs?: number;
  /** Quiet time after a change before the Contract is rebuilt. Default 50 ms. */
  debounceMs?: number;
}

/** The part of a Kubernetes object the control plane reads. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: unknown;
  status?: unknown;
}

/** A kind the control plane watches. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: 'Broker' | 'Trigger';
  /** Whether this replica may write the status of these objects (not Knative's own). */
  ownsStatus: boolean;
}
