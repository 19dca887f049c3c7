import {
  type BrokerEntry,
  buildContractWithProblems,
  type Contract,
  EventyardError,
  type LoadedResource,
  type Problem,
  resourceKey,
  type TriggerEntry,
} from '@eventyard/core';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { contractSummary, sameEntries } from '../contract-changes.ts';
import type { ControlLogger, ControlPlane } from '../types.ts';
import { describeError, statusCode } from './api-errors.ts';
import { loadKubeConfig, serverOf } from './kubeconfig.ts';
import { type LeaderElection, startLeaderElection } from './leader-election.ts';
import { podNamespace, replicaIdentity } from './pod-identity.ts';
import {
  BROKER_CLASS_ANNOTATION,
  describeType,
  EVENTYARD_BROKERS,
  EVENTYARD_TRIGGERS,
  KNATIVE_BROKERS,
  KNATIVE_TRIGGERS,
} from './resource-types.ts';
import { createResourceWatch, type ResourceWatch } from './resource-watch.ts';
import type { DesiredCondition, DesiredStatus } from './status.ts';
import { createStatusWriter, type StatusItem, type StatusWriter } from './status-writer.ts';
import { type ObjectResource, toResource } from './to-resource.ts';
import type { KubeObject, KubernetesControlOptions, ResourceType } from './types.ts';

/** The Service of deploy/kubernetes. */
export const DEFAULT_INGRESS_URL = 'http://eventyard-ingress.eventyard.svc.cluster.local';
const DEFAULT_LEASE_NAME = 'eventyard-control';
const DEFAULT_LEASE_DURATION_MS = 15_000;
const DEFAULT_RENEW_DEADLINE_MS = 10_000;
const DEFAULT_RETRY_PERIOD_MS = 2_000;
const DEFAULT_RESYNC_MS = 300_000;
const DEFAULT_START_TIMEOUT_MS = 30_000;
const DEFAULT_DEBOUNCE_MS = 50;
const CLOSE_WAIT_MS = 2_000;

/** Waits for `promise`, but no longer than `ms`. */
async function within(ms: number, promise: Promise<void> | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function describeProblem(problem: Problem): string {
  return `${problem.kind} ${problem.namespace}/${problem.name}: ${problem.path === '' ? '' : `${problem.path}: `}${problem.message}`;
}

function objectId(type: ResourceType, object: KubeObject): string {
  return `${type.group}/${type.plural}/${object.metadata?.namespace}/${object.metadata?.name}`;
}

function byName(a: KubeObject, b: KubeObject): number {
  const left = `${a.metadata?.namespace}/${a.metadata?.name}`;
  const right = `${b.metadata?.namespace}/${b.metadata?.name}`;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** One sentence from a resource's problems: the first, and how many more. */
function summarize(problems: Problem[]): string {
  const [first] = problems;
  if (first === undefined) return 'invalid';
  const text = `${first.path === '' ? '' : `${first.path}: `}${first.message}`;
  return problems.length > 1 ? `${text} (and ${problems.length - 1} more)` : text;
}

/** Whether the API server serves a kind (Knative's are optional). */
async function served(
  api: CustomObjectsApi,
  type: ResourceType,
  namespace: string | undefined,
): Promise<boolean> {
  const { group, version, plural } = type;
  try {
    if (namespace === undefined) await api.listClusterCustomObject({ group, version, plural, limit: 1 });
    else await api.listNamespacedCustomObject({ group, version, namespace, plural, limit: 1 });
    return true;
  } catch (error) {
    return statusCode(error) !== 404 && statusCode(error) !== 403;
  }
}

function unavailable(watch: ResourceWatch, server: string): string {
  const what = `${describeType(watch.type)}${watch.namespace === undefined ? '' : ` in namespace ${watch.namespace}`}`;
  const error = watch.lastError();
  const code = statusCode(error);
  if (code === 404) {
    return `the API server at ${server} does not serve ${describeType(watch.type)}: install the CRDs (kubectl apply -f deploy/crds/)`;
  }
  if (code === 401 || code === 403) {
    return `not allowed to list and watch ${what} at ${server} (${describeError(error)}): see the RBAC rules in deploy/kubernetes/rbac.yaml`;
  }
  return `cannot list ${what} at ${server}${error === undefined ? '' : `: ${describeError(error)}`}`;
}

async function waitForSync(watches: ResourceWatch[], timeoutMs: number, server: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const waiting = watches.filter((watch) => !watch.synced());
    if (waiting.length === 0) return;
    if (Date.now() > deadline) {
      throw new EventyardError(
        'EY_KUBERNETES_UNAVAILABLE',
        `no complete list of resources after ${timeoutMs} ms: ${waiting.map((watch) => unavailable(watch, server)).join('; ')}`,
        { retriable: true, cause: waiting[0]?.lastError() },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Serves a Contract built from the Broker and Trigger resources of a Kubernetes API server (see
 * `startKubernetesControl`), and reports each one's readiness in its status.
 */
export async function runKubernetesControl(options: KubernetesControlOptions): Promise<ControlPlane> {
  const logger: ControlLogger = options.logger ?? console;
  const config: KubeConfig = loadKubeConfig(options.kubeconfig);
  const server = serverOf(config);
  const api = config.makeApiClient(CustomObjectsApi);
  const topicTemplate = options.topicTemplate;
  const ingressUrl = (options.ingressUrl ?? DEFAULT_INGRESS_URL).replace(/\/+$/, '');
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const namespaces: Array<string | undefined> =
    options.namespaces !== undefined && options.namespaces.length > 0
      ? [...new Set(options.namespaces)]
      : [undefined];

  const brokerClass = options.knativeBrokerClass?.trim() || undefined;
  const types: ResourceType[] = [EVENTYARD_BROKERS, EVENTYARD_TRIGGERS];
  if (options.knative === true || brokerClass !== undefined) {
    for (const type of [KNATIVE_BROKERS, KNATIVE_TRIGGERS]) {
      // As a broker class, the Brokers of that class (and their Triggers) are ours, status included.
      if (await served(api, type, namespaces[0]))
        types.push(brokerClass === undefined ? type : { ...type, ownsStatus: true });
      else
        logger.info(`eventyard control: ${describeType(type)} are not served at ${server}; not loading them`);
    }
  }

  let closed = false;
  // Changes seen before the first Contract is built are in it: rebuilding starts after that.
  let built = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    if (closed || !built || timer !== undefined) return;
    // Not re-armed by later events: a busy cluster delays a rebuild by one interval at most.
    timer = setTimeout(rebuild, debounceMs);
  };

  // Our own group first: when Knative's has a resource of the same name, ours wins.
  const watches = types.flatMap((type) =>
    namespaces.map((namespace) =>
      createResourceWatch({ config, api, type, namespace, onChange: schedule, logger }),
    ),
  );
  const where = namespaces[0] === undefined ? 'every namespace' : `namespace(s) ${namespaces.join(', ')}`;
  logger.info(`eventyard control: watching ${types.map(describeType).join(', ')} in ${where} at ${server}`);
  if (brokerClass !== undefined) {
    logger.info(
      `eventyard control: serving ${KNATIVE_BROKERS.group} Brokers of class ${brokerClass} (annotation ${BROKER_CLASS_ANNOTATION}) and their Triggers only`,
    );
  }
  for (const watch of watches) watch.start();
  try {
    await waitForSync(watches, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, server);
  } catch (error) {
    await Promise.all(watches.map((watch) => watch.close()));
    throw error;
  }

  let results = new Map<string, ObjectResource>();
  let problems: Problem[] = [];
  const listeners = new Set<(contract: Contract) => void>();

  const isKnative = (type: ResourceType): boolean => type.group === KNATIVE_BROKERS.group;

  /**
   * With a broker class, the Knative Brokers of that class (namespace/name); the others, and the
   * Triggers pointing at them, belong to another implementation and are skipped altogether.
   */
  const classBrokers = (): Set<string> | undefined => {
    if (brokerClass === undefined) return undefined;
    const keys = new Set<string>();
    for (const watch of watches) {
      if (!isKnative(watch.type) || watch.type.kind !== 'Broker') continue;
      for (const object of watch.objects()) {
        if (object.metadata?.annotations?.[BROKER_CLASS_ANNOTATION] === brokerClass)
          keys.add(resourceKey(object.metadata.namespace ?? '', object.metadata.name ?? ''));
      }
    }
    return keys;
  };
  const triggerBroker = (object: KubeObject): string | undefined => {
    const spec = object.spec;
    if (typeof spec !== 'object' || spec === null) return undefined;
    const broker = (spec as { broker?: unknown }).broker;
    return typeof broker === 'string' ? broker : undefined;
  };
  const claimed = (type: ResourceType, object: KubeObject, ours: Set<string> | undefined): boolean => {
    if (ours === undefined || !isKnative(type)) return true;
    const namespace = object.metadata?.namespace ?? '';
    const name = type.kind === 'Broker' ? object.metadata?.name : triggerBroker(object);
    return name !== undefined && ours.has(resourceKey(namespace, name));
  };

  /** Reads every object (unchanged ones from the last round) and builds the next Contract. */
  const build = (previous: Contract | undefined): Contract => {
    const next = new Map<string, ObjectResource>();
    const loaded: LoadedResource[] = [];
    const invalid: Problem[] = [];
    const ours = classBrokers();
    for (const watch of watches) {
      for (const object of [...watch.objects()].sort(byName)) {
        if (!claimed(watch.type, object, ours)) continue;
        const id = objectId(watch.type, object);
        const result = toResource(object, results.get(id));
        next.set(id, result);
        if (result.loaded !== undefined) loaded.push(result.loaded);
        else invalid.push(...result.problems);
      }
    }
    results = next;
    const outcome = buildContractWithProblems({ resources: loaded, previous, topicTemplate });
    const seen = new Set(problems.map(describeProblem));
    problems = [...invalid, ...outcome.problems];
    if (previous !== undefined) {
      for (const problem of problems) {
        const line = describeProblem(problem);
        if (!seen.has(line)) logger.warn(`eventyard control: ${line}`);
      }
    }
    return outcome.contract;
  };

  const entryOf = (
    type: ResourceType,
    namespace: string,
    name: string,
  ): BrokerEntry | TriggerEntry | undefined => {
    const key = resourceKey(namespace, name);
    return type.kind === 'Broker' ? current.brokers.get(key) : current.triggers.get(key);
  };

  const desiredStatus = (type: ResourceType, object: KubeObject, result: ObjectResource): DesiredStatus => {
    const desired = conclusion(type, object, result);
    if (brokerClass !== undefined && isKnative(type))
      desired.conditions = knativeConditions(type, object, desired);
    return desired;
  };

  /** Knative's conditions beside Ready: a Broker's Addressable, a Trigger's BrokerReady and SubscriberResolved. */
  const knativeConditions = (
    type: ResourceType,
    object: KubeObject,
    desired: DesiredStatus,
  ): DesiredCondition[] => {
    const because = (
      condition: DesiredCondition,
      reason: string | undefined,
      message: string | undefined,
    ) => {
      if (condition.status !== 'True') {
        condition.reason = reason ?? 'NotReady';
        if (message !== undefined) condition.message = message;
      }
      return condition;
    };
    if (type.kind === 'Broker') {
      const addressable: DesiredCondition = {
        type: 'Addressable',
        status: desired.addressUrl === undefined ? 'False' : 'True',
      };
      return [because(addressable, desired.reason, desired.message)];
    }
    const namespace = object.metadata?.namespace ?? '';
    const brokerName = triggerBroker(object);
    const broker =
      brokerName === undefined ? undefined : current.brokers.get(resourceKey(namespace, brokerName));
    const brokerReady: DesiredCondition = {
      type: 'BrokerReady',
      status: broker?.status.ready === true ? 'True' : 'False',
    };
    const subscriber: DesiredCondition = {
      type: 'SubscriberResolved',
      status: desired.subscriberUri === undefined ? 'False' : 'True',
    };
    return [
      broker === undefined
        ? because(brokerReady, 'BrokerDoesNotExist', `Broker "${brokerName ?? ''}" does not exist`)
        : because(brokerReady, broker.status.reason, broker.status.message),
      because(subscriber, desired.reason, desired.message),
    ];
  };

  const conclusion = (type: ResourceType, object: KubeObject, result: ObjectResource): DesiredStatus => {
    const namespace = object.metadata?.namespace ?? '';
    const name = object.metadata?.name ?? '';
    const observedGeneration = object.metadata?.generation;
    if (result.loaded === undefined) {
      return {
        ready: false,
        reason: 'ResourceInvalid',
        message: summarize(result.problems),
        observedGeneration,
      };
    }
    const entry = entryOf(type, namespace, name);
    if (entry === undefined || entry.resource.apiVersion !== result.loaded.resource.apiVersion) {
      // Not in the Contract at all: a clash with another resource (a broker's topic), said in a problem.
      const clash = problems.filter(
        (problem) => problem.kind === type.kind && problem.namespace === namespace && problem.name === name,
      );
      return { ready: false, reason: 'Conflict', message: summarize(clash), observedGeneration };
    }
    const desired: DesiredStatus = { ready: entry.status.ready, observedGeneration };
    if (entry.status.reason !== undefined) desired.reason = entry.status.reason;
    if (entry.status.message !== undefined) desired.message = entry.status.message;
    if (type.kind === 'Broker') desired.addressUrl = `${ingressUrl}/${namespace}/${name}`;
    else if ((entry as TriggerEntry).subscriberUri !== undefined)
      desired.subscriberUri = (entry as TriggerEntry).subscriberUri;
    return desired;
  };

  const statusItems = function* (): Iterable<StatusItem> {
    for (const watch of watches) {
      if (!watch.type.ownsStatus) continue;
      for (const object of watch.objects()) {
        const result = results.get(objectId(watch.type, object));
        if (result !== undefined)
          yield { type: watch.type, object, desired: desiredStatus(watch.type, object, result) };
      }
    }
  };

  let writer: StatusWriter | undefined;
  let election: LeaderElection | undefined;
  const syncStatus = (force: boolean): void => {
    if (writer !== undefined && election?.isLeader() === true) writer.sync(statusItems(), force);
  };

  function rebuild(): void {
    timer = undefined;
    if (closed) return;
    const next = build(current);
    if (!sameEntries(next, current)) {
      current = next;
      logger.info(`eventyard control: ${contractSummary(current)}`);
      for (const listener of listeners) {
        try {
          listener(current);
        } catch (error) {
          logger.error('eventyard control: a contract listener failed', error);
        }
      }
    }
    syncStatus(false);
  }

  let current = build(undefined);
  built = true;
  for (const problem of problems) logger.warn(`eventyard control: ${describeProblem(problem)}`);
  logger.info(`eventyard control: ${contractSummary(current)}`);

  let resync: NodeJS.Timeout | undefined;
  if (options.writeStatus !== false) {
    writer = createStatusWriter({ api, logger, requestSync: () => syncStatus(true) });
    const lease = options.lease ?? {};
    try {
      election = await startLeaderElection({
        config,
        namespace: lease.namespace ?? podNamespace(),
        name: lease.name ?? DEFAULT_LEASE_NAME,
        identity: options.identity ?? replicaIdentity(),
        durationMs: lease.durationMs ?? DEFAULT_LEASE_DURATION_MS,
        renewDeadlineMs: lease.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS,
        retryPeriodMs: lease.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS,
        logger,
        // A new leader checks every status: the last one may have left some unwritten.
        onChange: (leader) => {
          if (leader) syncStatus(true);
        },
      });
      if (election.isLeader()) syncStatus(true);
    } catch (error) {
      await writer.close();
      await Promise.all(watches.map((watch) => watch.close()));
      throw error;
    }
    resync = setInterval(() => syncStatus(true), options.resyncMs ?? DEFAULT_RESYNC_MS);
  }

  return {
    current: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    problems: () => [...problems],
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      if (resync !== undefined) clearInterval(resync);
      // Writes in progress and giving up the Lease are worth a moment, not a hung shutdown.
      await within(CLOSE_WAIT_MS, writer?.close());
      await within(CLOSE_WAIT_MS, election?.close());
      await Promise.all(watches.map((watch) => watch.close()));
    },
  };
}
