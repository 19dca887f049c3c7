import { isDeepStrictEqual } from 'node:util';
import { type BrokerEntry, type Contract, resourceKey, type TriggerEntry } from '../contract.ts';
import { EventyardError, isEventyardError } from '../errors.ts';
import { compileTriggerFilter } from '../filter/index.ts';
import type { CompiledFilter } from '../filter/types.ts';
import { readTriggerAnnotations } from './annotations.ts';
import { resolveDelivery, type SinkResolver } from './delivery.ts';
import { resolveDestination } from './destination.ts';
import { KAFKA_TOPIC_PATTERN } from './schema.ts';
import type {
  Broker,
  DeliverySpec,
  LoadedResource,
  Problem,
  ResolvedDelivery,
  ResourceOrigin,
  ResourceStatus,
  Trigger,
} from './types.ts';

export const DEFAULT_TOPIC_TEMPLATE = 'eventyard-broker-{namespace}-{name}';
export const DEFAULT_PARTITIONS = 10;
export const RETRY_TOPIC_SUFFIX = '.retry';
export const DEAD_LETTER_TOPIC_SUFFIX = '.dlq';

export interface BuildContractInput {
  resources: LoadedResource[];
  /** The contract this one replaces: its generation is continued and unchanged entries are reused. */
  previous?: Contract;
  /** Broker topic name with `{namespace}` and `{name}` placeholders. */
  topicTemplate?: string;
}

export interface ContractBuild {
  contract: Contract;
  /** Duplicates, topic clashes, and every reason a broker or trigger is not ready. */
  problems: Problem[];
}

/** A reason a resource is not ready, with the field it comes from. */
interface Issue {
  reason: string;
  path: string;
  message: string;
}

const TOPIC_NAME = new RegExp(KAFKA_TOPIC_PATTERN);
const PLACEHOLDER = /\{([^}]*)\}/g;

function renderTopic(template: string, namespace: string, name: string): string {
  return template.replace(PLACEHOLDER, (_match, key: string) => (key === 'namespace' ? namespace : name));
}

function checkTopicTemplate(template: string): void {
  for (const [, key] of template.matchAll(PLACEHOLDER)) {
    if (key !== 'namespace' && key !== 'name') {
      throw new EventyardError(
        'EY_INVALID_CONFIG',
        `topic template "${template}" has an unknown placeholder {${key}}: use {namespace} and {name}`,
      );
    }
  }
  // The longest namespace and name (63 characters each) must still make a legal topic.
  const longest = renderTopic(template, 'n'.repeat(63), 'n'.repeat(63)) + DEAD_LETTER_TOPIC_SUFFIX;
  if (!TOPIC_NAME.test(longest)) {
    throw new EventyardError(
      'EY_INVALID_CONFIG',
      `topic template "${template}" does not make a legal Kafka topic name (letters, digits, ".", "_", "-"; at most 249 characters with the ${DEAD_LETTER_TOPIC_SUFFIX} suffix)`,
    );
  }
}

function describeOrigin(origin: ResourceOrigin): string {
  return `${origin.file} (document ${origin.document + 1})`;
}

function problemOf(loaded: LoadedResource, issue: Pick<Issue, 'path' | 'message'>): Problem {
  const { metadata, kind } = loaded.resource;
  return {
    file: loaded.origin.file,
    document: loaded.origin.document,
    kind,
    name: metadata.name,
    namespace: metadata.namespace,
    path: issue.path,
    message: issue.message,
  };
}

/** The status of every ready resource without a generation (from files): one object, not one each. */
const READY: ResourceStatus = Object.freeze({ ready: true });

function statusOf(issues: Issue[], generation: number | undefined): ResourceStatus {
  if (issues.length === 0 && generation === undefined) return READY;
  const status: ResourceStatus = { ready: issues.length === 0 };
  const first = issues[0];
  if (first !== undefined) {
    status.reason = first.reason;
    status.message = issues.length > 1 ? `${first.message} (and ${issues.length - 1} more)` : first.message;
  }
  if (generation !== undefined) status.observedGeneration = generation;
  return status;
}

function withoutDeadLetterSink(spec: DeliverySpec | undefined): DeliverySpec | undefined {
  if (spec?.deadLetterSink === undefined) return spec;
  const { deadLetterSink: _sink, ...rest } = spec;
  return rest;
}

/** The entry from before when nothing about it changed, so consumers can diff by identity. */
function reuse<T extends object>(next: T, previous: T | undefined): T {
  return previous !== undefined && isDeepStrictEqual(next, previous) ? previous : Object.freeze(next);
}

function buildBroker(
  loaded: LoadedResource & { resource: Broker },
  topic: string,
  previous: BrokerEntry | undefined,
): { entry: BrokerEntry; issues: Issue[] } {
  const { resource, origin } = loaded;
  const { namespace, name } = resource.metadata;
  const resolveSink: SinkResolver = (dest) => resolveDestination(dest, namespace);
  const issues: Issue[] = [];
  let delivery: ResolvedDelivery;
  try {
    delivery = resolveDelivery(undefined, resource.spec.delivery, resolveSink);
  } catch (error) {
    issues.push({
      reason: 'DeadLetterSinkInvalid',
      path: `/spec/delivery${(error as EventyardError).details?.path ?? ''}`,
      message: (error as Error).message,
    });
    delivery = resolveDelivery(undefined, withoutDeadLetterSink(resource.spec.delivery), resolveSink);
  }
  const entry: BrokerEntry = {
    key: resourceKey(namespace, name),
    namespace,
    name,
    topic,
    retryTopic: topic + RETRY_TOPIC_SUFFIX,
    deadLetterTopic: topic + DEAD_LETTER_TOPIC_SUFFIX,
    partitions: resource.spec.partitions ?? DEFAULT_PARTITIONS,
    replicationFactor: resource.spec.replicationFactor,
    delivery,
    resource,
    origin,
    status: statusOf(issues, resource.metadata.generation),
  };
  return { entry: reuse(entry, previous), issues };
}

function compileFilter(
  trigger: Trigger,
  previous: TriggerEntry | undefined,
  issues: Issue[],
): CompiledFilter | undefined {
  const { filter, filters } = trigger.spec;
  // Compile once: an unchanged filter keeps its compiled form across contract generations.
  if (
    previous?.filter !== undefined &&
    isDeepStrictEqual(previous.resource.spec.filter, filter) &&
    isDeepStrictEqual(previous.resource.spec.filters, filters)
  ) {
    return previous.filter;
  }
  try {
    return compileTriggerFilter({ filter, filters });
  } catch (error) {
    if (!isEventyardError(error, 'EY_INVALID_FILTER')) throw error;
    const path = typeof error.details?.path === 'string' ? error.details.path : '';
    issues.push({
      reason: 'FilterInvalid',
      // The compiler names the path from the spec or from the resource; report it from the resource.
      path: path === '' || path.startsWith('/spec') ? path || '/spec' : `/spec${path}`,
      message: error.message,
    });
    return undefined;
  }
}

/**
 * Equal delivery settings, one object: thousands of triggers mostly share their broker's or the
 * default delivery, and each kept its own copy for as long as it was loaded.
 */
class DeliveryTable {
  readonly #byValue = new Map<string, ResolvedDelivery>();

  share(delivery: ResolvedDelivery): ResolvedDelivery {
    const { retry, backoffPolicy, backoffDelayMs, timeoutMs, retryAfterMaxMs, format, deadLetterUri } =
      delivery;
    const key = `${retry} ${backoffPolicy} ${backoffDelayMs} ${timeoutMs} ${retryAfterMaxMs} ${format} ${deadLetterUri ?? ''}`;
    const shared = this.#byValue.get(key);
    if (shared !== undefined) return shared;
    const frozen = Object.freeze(delivery);
    this.#byValue.set(key, frozen);
    return frozen;
  }
}

function buildTrigger(
  loaded: LoadedResource & { resource: Trigger },
  broker: BrokerEntry | undefined,
  previous: TriggerEntry | undefined,
  deliveries: DeliveryTable,
): { entry: TriggerEntry; issues: Issue[] } {
  const { resource, origin } = loaded;
  const { namespace, name } = resource.metadata;
  const { spec } = resource;
  const issues: Issue[] = [];

  if (broker === undefined) {
    issues.push({
      reason: 'BrokerNotFound',
      path: '/spec/broker',
      message: `broker "${spec.broker}" does not exist in namespace "${namespace}"`,
    });
  }

  let subscriberUri: string | undefined;
  try {
    subscriberUri = resolveDestination(spec.subscriber, namespace);
  } catch (error) {
    issues.push({
      reason: 'SubscriberInvalid',
      path: `/spec/subscriber${(error as EventyardError).details?.path ?? ''}`,
      message: `subscriber: ${(error as Error).message}`,
    });
  }

  const brokerDelivery = broker?.resource.spec.delivery;
  const resolveSink: SinkResolver = (dest) => resolveDestination(dest, namespace);
  let delivery: ResolvedDelivery;
  try {
    delivery = resolveDelivery(spec.delivery, brokerDelivery, resolveSink);
  } catch (error) {
    const details = (error as EventyardError).details ?? {};
    issues.push({
      reason: 'DeadLetterSinkInvalid',
      path: details.owner === 'trigger' ? `/spec/delivery${details.path ?? ''}` : '/spec/broker',
      message:
        details.owner === 'trigger'
          ? (error as Error).message
          : `the broker's ${(error as Error).message} (give the trigger its own delivery.deadLetterSink, or fix the broker)`,
    });
    delivery = resolveDelivery(
      withoutDeadLetterSink(spec.delivery),
      withoutDeadLetterSink(brokerDelivery),
      resolveSink,
    );
  }

  const filter = compileFilter(resource, previous, issues);

  const annotations = readTriggerAnnotations(resource.metadata.annotations);
  for (const problem of annotations.problems) issues.push({ reason: 'AnnotationInvalid', ...problem });

  const entry: TriggerEntry = {
    key: resourceKey(namespace, name),
    namespace,
    name,
    broker: spec.broker,
    subscriberUri,
    delivery: deliveries.share(delivery),
    filter,
    maxInFlight: annotations.maxInFlight,
    ordered: annotations.ordered,
    resource,
    origin,
    status: statusOf(issues, resource.metadata.generation),
  };
  return { entry: reuse(entry, previous), issues };
}

function isBroker(loaded: LoadedResource): loaded is LoadedResource & { resource: Broker } {
  return loaded.resource.kind === 'Broker';
}

function isTrigger(loaded: LoadedResource): loaded is LoadedResource & { resource: Trigger } {
  return loaded.resource.kind === 'Trigger';
}

/**
 * Builds the next Contract from loaded resources, and says what is wrong with them: duplicates
 * (the first one wins), brokers whose topics clash, and why each broker or trigger not ready is so.
 * A bad trigger never stops the others: it is kept, not ready, with the reason in its status.
 */
export function buildContractWithProblems(input: BuildContractInput): ContractBuild {
  const template = input.topicTemplate ?? DEFAULT_TOPIC_TEMPLATE;
  checkTopicTemplate(template);
  const previous = input.previous;
  const problems: Problem[] = [];

  const firstSeen = new Map<string, LoadedResource>();
  const unique: LoadedResource[] = [];
  for (const loaded of input.resources) {
    const { kind, metadata } = loaded.resource;
    const id = `${kind}/${metadata.namespace}/${metadata.name}`;
    const first = firstSeen.get(id);
    if (first !== undefined) {
      problems.push(
        problemOf(loaded, {
          path: '/metadata/name',
          message: `${kind} ${metadata.namespace}/${metadata.name} is already defined in ${describeOrigin(first.origin)}; this one is ignored`,
        }),
      );
      continue;
    }
    firstSeen.set(id, loaded);
    unique.push(loaded);
  }

  const brokers = new Map<string, BrokerEntry>();
  const topicOwners = new Map<string, string>();
  for (const loaded of unique.filter(isBroker)) {
    const { namespace, name } = loaded.resource.metadata;
    const key = resourceKey(namespace, name);
    const topic = loaded.resource.spec.topic ?? renderTopic(template, namespace, name);
    const topics = [topic, topic + RETRY_TOPIC_SUFFIX, topic + DEAD_LETTER_TOPIC_SUFFIX];
    const clash = topics.find((candidate) => topicOwners.has(candidate));
    if (clash !== undefined) {
      problems.push(
        problemOf(loaded, {
          path: loaded.resource.spec.topic === undefined ? '/metadata/name' : '/spec/topic',
          message: `topic "${clash}" is already used by broker ${topicOwners.get(clash)}; this broker is ignored`,
        }),
      );
      continue;
    }
    for (const candidate of topics) topicOwners.set(candidate, key);
    const { entry, issues } = buildBroker(loaded, topic, previous?.brokers.get(key));
    brokers.set(key, entry);
    for (const issue of issues) problems.push(problemOf(loaded, issue));
  }

  const triggers = new Map<string, TriggerEntry>();
  const deliveries = new DeliveryTable();
  for (const loaded of unique.filter(isTrigger)) {
    const { namespace, name } = loaded.resource.metadata;
    const key = resourceKey(namespace, name);
    const broker = brokers.get(resourceKey(namespace, loaded.resource.spec.broker));
    const { entry, issues } = buildTrigger(loaded, broker, previous?.triggers.get(key), deliveries);
    triggers.set(key, entry);
    for (const issue of issues) problems.push(problemOf(loaded, issue));
  }

  const contract: Contract = Object.freeze({
    generation: (previous?.generation ?? 0) + 1,
    brokers,
    triggers,
  });
  return { contract, problems };
}

/** Builds the next immutable Contract snapshot from loaded resources (see `buildContractWithProblems`). */
export function buildContract(input: BuildContractInput): Contract {
  return buildContractWithProblems(input).contract;
}
