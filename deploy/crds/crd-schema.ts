/**
 * The Broker and Trigger CustomResourceDefinitions, derived from core's JSON Schemas
 * (packages/core/src/resources/schema.ts) so the API server and `eventyard validate` apply the same
 * rules. `generate.ts` writes them to YAML; a test proves the committed files are what this produces.
 *
 * A CRD schema must be structural (Kubernetes "Specifying a structural schema"): no
 * `additionalProperties` beside `properties` (unknown fields are pruned, and rejected by clients
 * that ask for strict field validation, which kubectl does by default), at the root only
 * `metadata.name`/`generateName` may be constrained, and an object without properties keeps its
 * content only with `x-kubernetes-preserve-unknown-fields`. Core's semantic checks that a schema
 * cannot express (a destination needs a ref or a uri, an absolute uri without a ref, durations
 * with an amount, non-zero timeouts) become CEL rules (`x-kubernetes-validations`).
 */
import {
  brokerSchema,
  DNS_LABEL_PATTERN,
  EVENTYARD_API_VERSION,
  type JsonSchema,
  triggerSchema,
} from '@eventyard/core';

export const GROUP = 'eventyard.dev';
export const VERSION = 'v1';
/** Kept in step with core's notion of our API version. */
const API_VERSION = `${GROUP}/${VERSION}`;
if (API_VERSION !== EVENTYARD_API_VERSION)
  throw new Error(`core names ${EVENTYARD_API_VERSION}, not ${API_VERSION}`);

export interface CrdNames {
  kind: 'Broker' | 'Trigger';
  plural: string;
  singular: string;
  shortNames: string[];
}

export const BROKER_NAMES: CrdNames = {
  kind: 'Broker',
  plural: 'brokers',
  singular: 'broker',
  shortNames: ['eyb'],
};
export const TRIGGER_NAMES: CrdNames = {
  kind: 'Trigger',
  plural: 'triggers',
  singular: 'trigger',
  shortNames: ['eyt'],
};

type Rule = { rule: string; message: string };

const DESTINATION_RULES: Rule[] = [
  { rule: 'has(self.ref) || has(self.uri)', message: 'needs a ref or a uri' },
  {
    rule: 'has(self.ref) || !has(self.uri) || (isURL(self.uri) && url(self.uri).getHostname() != "")',
    message: 'uri must be an absolute URL such as http://host/path when there is no ref',
  },
  {
    rule: '!has(self.ref) || !has(self.uri) || !isURL(self.uri) || url(self.uri).getScheme() == ""',
    message:
      "uri must be a relative URI (such as /events) when ref is set: it is resolved against the ref's address",
  },
];

/** The pattern admits `P`, `PT` and `P1DT`; core's parser refuses them, and so does this. */
const DURATION_RULES: Rule[] = [
  {
    rule: 'self.matches("[0-9]") && !self.endsWith("T")',
    message: 'must be an ISO 8601 duration such as PT0.2S, PT5S, PT1M30S or P1D',
  },
];
const TIMEOUT_RULES: Rule[] = [
  ...DURATION_RULES,
  { rule: 'self.matches("[1-9]")', message: 'must be longer than zero' },
];

/** Ready condition and the fields `kubectl get` shows; other fields are kept as written. */
function statusSchema(kind: CrdNames['kind']): JsonSchema {
  const condition: JsonSchema = {
    type: 'object',
    required: ['type', 'status'],
    properties: {
      type: { type: 'string' },
      status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
      reason: { type: 'string' },
      message: { type: 'string' },
      severity: { type: 'string' },
      lastTransitionTime: { type: 'string', format: 'date-time' },
    },
  };
  const properties: Record<string, JsonSchema> = {
    observedGeneration: { type: 'integer', format: 'int64' },
    conditions: {
      type: 'array',
      items: condition,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
  };
  if (kind === 'Broker') {
    properties.address = {
      type: 'object',
      properties: { url: { type: 'string' }, name: { type: 'string' } },
    };
  } else {
    properties.subscriberUri = { type: 'string' };
  }
  return { type: 'object', properties, 'x-kubernetes-preserve-unknown-fields': true };
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A structural copy of a core schema node: `additionalProperties: false` dropped where
 * `properties` is set, and objects that declare nothing keep their fields.
 */
export function toStructural(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (keyword === 'properties' && isSchema(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, toStructural(child as JsonSchema)]),
      );
    } else if (keyword === 'additionalProperties') {
      if (value === false && node.properties !== undefined) continue;
      out.additionalProperties = isSchema(value) ? toStructural(value) : value;
    } else if ((keyword === 'items' || keyword === 'not') && isSchema(value)) {
      out[keyword] = toStructural(value);
    } else if ((keyword === 'oneOf' || keyword === 'anyOf' || keyword === 'allOf') && Array.isArray(value)) {
      out[keyword] = value.map((branch) => toStructural(branch as JsonSchema));
    } else {
      out[keyword] = value;
    }
  }
  if (out.type === 'object' && out.properties === undefined && out.additionalProperties === undefined) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  return out;
}

/** The node at `path` (property names) below `schema`'s properties. */
function at(schema: JsonSchema, path: string[]): JsonSchema {
  let node = schema;
  for (const name of path) {
    const next = (node.properties as Record<string, JsonSchema> | undefined)?.[name];
    if (next === undefined) throw new Error(`the core schema has no ${path.join('.')}`);
    node = next;
  }
  return node;
}

function addRules(node: JsonSchema, rules: Rule[]): void {
  node['x-kubernetes-validations'] = [
    ...((node['x-kubernetes-validations'] as Rule[] | undefined) ?? []),
    ...rules,
  ];
}

function addDeliveryRules(delivery: JsonSchema): void {
  addRules(at(delivery, ['deadLetterSink']), DESTINATION_RULES);
  addRules(at(delivery, ['backoffDelay']), DURATION_RULES);
  addRules(at(delivery, ['retryAfterMax']), DURATION_RULES);
  addRules(at(delivery, ['timeout']), TIMEOUT_RULES);
}

/** The openAPIV3Schema of one kind. */
export function openApiSchema(kind: CrdNames['kind']): JsonSchema {
  const core = kind === 'Broker' ? brokerSchema : triggerSchema;
  const spec = toStructural(at(core, ['spec']));
  addDeliveryRules(at(spec, ['delivery']));
  if (kind === 'Trigger') addRules(at(spec, ['subscriber']), DESTINATION_RULES);
  const required = ((core.required as string[] | undefined) ?? []).filter((name) => name === 'spec');
  return {
    type: 'object',
    ...(required.length > 0 ? { required } : {}),
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      // A CRD may only constrain metadata.name (and generateName): names are DNS labels here,
      // as the Kafka topic and the ingress path are made of them.
      metadata: {
        type: 'object',
        properties: { name: { type: 'string', pattern: DNS_LABEL_PATTERN, maxLength: 63 } },
      },
      spec,
      status: statusSchema(kind),
    },
  };
}

const READY = '.status.conditions[?(@.type=="Ready")]';

/** Knative's columns, in Knative's order, so `kubectl get triggers` reads the same. */
function printerColumns(kind: CrdNames['kind']): JsonSchema[] {
  const head: JsonSchema[] =
    kind === 'Broker'
      ? [{ name: 'URL', type: 'string', jsonPath: '.status.address.url' }]
      : [
          { name: 'Broker', type: 'string', jsonPath: '.spec.broker' },
          { name: 'Subscriber_URI', type: 'string', jsonPath: '.status.subscriberUri' },
        ];
  return [
    ...head,
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    { name: 'Ready', type: 'string', jsonPath: `${READY}.status` },
    { name: 'Reason', type: 'string', jsonPath: `${READY}.reason` },
    { name: 'Message', type: 'string', jsonPath: `${READY}.message`, priority: 1 },
  ];
}

/** One CustomResourceDefinition, as `kubectl apply` takes it. */
export function customResourceDefinition(names: CrdNames): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${names.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'eventyard', 'app.kubernetes.io/part-of': 'eventyard' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: names.kind,
        listKind: `${names.kind}List`,
        plural: names.plural,
        singular: names.singular,
        shortNames: names.shortNames,
        categories: ['all', 'eventyard'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: printerColumns(names.kind),
          schema: { openAPIV3Schema: openApiSchema(names.kind) },
        },
      ],
    },
  };
}

export const CRDS: ReadonlyArray<{ file: string; names: CrdNames }> = [
  { file: `${BROKER_NAMES.plural}.${GROUP}.yaml`, names: BROKER_NAMES },
  { file: `${TRIGGER_NAMES.plural}.${GROUP}.yaml`, names: TRIGGER_NAMES },
];
