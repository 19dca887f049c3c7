import { ISO_DURATION_PATTERN } from './duration.ts';
import { EVENTYARD_API_VERSION, KNATIVE_API_VERSION } from './types.ts';

/**
 * JSON Schemas of `Broker` and `Trigger`, with Knative's v1 field names (pkg/apis/eventing/v1
 * broker_types.go and trigger_types.go, pkg/apis/duck/v1 DeliverySpec, knative.dev/pkg duck/v1
 * Destination and KReference).
 *
 * Only structural keywords are used (type, properties, required, additionalProperties, items, enum,
 * pattern, minimum, oneOf with `required` only), no `$ref`, and every pattern is RE2, so the same
 * objects can become a CRD's openAPIV3Schema. Null values are dropped before validation, as the
 * Kubernetes API server prunes them for fields that are not `nullable`. For a CRD, drop
 * `additionalProperties: false` where `properties` is set (Kubernetes prunes unknown fields
 * instead), give `status` `x-kubernetes-preserve-unknown-fields`, and reduce `metadata` to what a
 * CRD may say about it.
 */

export type JsonSchema = { [keyword: string]: unknown };

/** RFC 1123 label (Kubernetes namespaces, and our names): at most 63 characters, no look-ahead. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';

/** Kafka's legal topic names (kafka.common.internals.Topic). */
export const KAFKA_TOPIC_PATTERN = '^[a-zA-Z0-9._-]{1,249}$';

/** The filter dialects a `filters[]` object may use, exactly one per object. */
export const FILTER_DIALECTS = [
  'exact',
  'prefix',
  'suffix',
  'all',
  'any',
  'not',
  'cel',
  'cesql',
  'sql',
] as const;

/**
 * How deep the schema checks nested `all` / `any` / `not` filters (a `filters[]` entry is level 1).
 * A CRD schema cannot recurse, so the filter schema is unrolled, and each level multiplies the
 * compiled validator's size by three; below this depth a filter is only required to be an object,
 * and the filter compiler (which walks any depth) reports what is wrong there.
 */
export const SCHEMA_FILTER_DEPTH = 3;

const string: JsonSchema = { type: 'string' };
const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };
const duration: JsonSchema = { type: 'string', pattern: ISO_DURATION_PATTERN };

function filterSchema(level: number): JsonSchema {
  const nested = level >= SCHEMA_FILTER_DEPTH ? { type: 'object' } : filterSchema(level + 1);
  return {
    type: 'object',
    properties: {
      exact: stringMap,
      prefix: stringMap,
      suffix: stringMap,
      all: { type: 'array', items: nested },
      any: { type: 'array', items: nested },
      not: nested,
      cel: string,
      // CloudEvents SQL v1; `sql` is its name before Knative 1.15.
      cesql: string,
      sql: string,
    },
    additionalProperties: false,
    oneOf: FILTER_DIALECTS.map((dialect) => ({ required: [dialect] })),
  };
}

const objectMeta: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: DNS_LABEL_PATTERN },
    namespace: { type: 'string', pattern: DNS_LABEL_PATTERN },
    generateName: string,
    labels: stringMap,
    annotations: stringMap,
    uid: string,
    generation: { type: 'integer' },
    resourceVersion: string,
    creationTimestamp: string,
    deletionTimestamp: string,
    deletionGracePeriodSeconds: { type: 'integer' },
    finalizers: { type: 'array', items: string },
    ownerReferences: { type: 'array', items: { type: 'object' } },
    managedFields: { type: 'array', items: { type: 'object' } },
    selfLink: string,
  },
  additionalProperties: false,
};

/** knative.dev/pkg duck/v1 KReference (`group` is experimental and off by default there, too). */
const kReference: JsonSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'name'],
  properties: {
    apiVersion: string,
    kind: string,
    name: string,
    namespace: { type: 'string', pattern: DNS_LABEL_PATTERN },
  },
  additionalProperties: false,
};

/** knative.dev/pkg duck/v1 Destination. */
const destination: JsonSchema = {
  type: 'object',
  properties: {
    ref: kReference,
    uri: string,
    CACerts: string,
    audience: string,
  },
  additionalProperties: false,
};

/** knative.dev/eventing duck/v1 DeliverySpec. */
const deliverySpec: JsonSchema = {
  type: 'object',
  properties: {
    deadLetterSink: destination,
    retry: { type: 'integer', minimum: 0 },
    backoffPolicy: { type: 'string', enum: ['linear', 'exponential'] },
    backoffDelay: duration,
    timeout: duration,
    retryAfterMax: duration,
    format: { type: 'string', enum: ['json', 'binary'] },
  },
  additionalProperties: false,
};

const apiVersion: JsonSchema = { type: 'string', enum: [KNATIVE_API_VERSION, EVENTYARD_API_VERSION] };
const status: JsonSchema = { type: 'object' };

export const brokerSchema: JsonSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata'],
  properties: {
    apiVersion,
    kind: { type: 'string', enum: ['Broker'] },
    metadata: objectMeta,
    spec: {
      type: 'object',
      properties: {
        config: kReference,
        delivery: deliverySpec,
        // eventyard.dev/v1 only.
        topic: { type: 'string', pattern: KAFKA_TOPIC_PATTERN },
        partitions: { type: 'integer', minimum: 1 },
        replicationFactor: { type: 'integer', minimum: 1 },
      },
      additionalProperties: false,
    },
    status,
  },
  additionalProperties: false,
};

/** BrokerSpec fields that only `eventyard.dev/v1` documents may set. */
export const EVENTYARD_BROKER_FIELDS = ['topic', 'partitions', 'replicationFactor'] as const;

export const triggerSchema: JsonSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion,
    kind: { type: 'string', enum: ['Trigger'] },
    metadata: objectMeta,
    spec: {
      type: 'object',
      required: ['broker', 'subscriber'],
      properties: {
        broker: { type: 'string', pattern: DNS_LABEL_PATTERN },
        filter: {
          type: 'object',
          properties: { attributes: stringMap },
          additionalProperties: false,
        },
        filters: { type: 'array', items: filterSchema(1) },
        subscriber: destination,
        delivery: deliverySpec,
      },
      additionalProperties: false,
    },
    status,
  },
  additionalProperties: false,
};
