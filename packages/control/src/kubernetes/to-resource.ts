import { type LoadedResource, type Problem, type ResourceOrigin, validateResource } from '@eventyard/core';
import type { KubeObject } from './types.ts';

/** Where resources read from the API server come from, in problems and in the Contract. */
export const KUBERNETES_ORIGIN: ResourceOrigin = Object.freeze({ file: 'kubernetes', document: 0 });

/** Written by `kubectl apply` on every object: a copy of the spec, nothing to route on. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export interface ObjectResource {
  /** The resource when the object is valid. */
  loaded: LoadedResource | undefined;
  /** Why it is not, each naming the field. */
  problems: Problem[];
  /** What the result depends on: an object with the same fingerprint gives the same result. */
  fingerprint: string;
}

/**
 * The document core validates: what the user declared, without what the API server keeps changing
 * (resourceVersion, managedFields, status), so a status write does not look like a new resource.
 */
function declared(object: KubeObject): Record<string, unknown> {
  const metadata = object.metadata ?? {};
  const annotations = metadata.annotations === undefined ? undefined : { ...metadata.annotations };
  if (annotations !== undefined) delete annotations[LAST_APPLIED];
  const meta: Record<string, unknown> = { name: metadata.name, namespace: metadata.namespace };
  if (metadata.uid !== undefined) meta.uid = metadata.uid;
  if (metadata.generation !== undefined) meta.generation = metadata.generation;
  if (metadata.labels !== undefined && Object.keys(metadata.labels).length > 0) meta.labels = metadata.labels;
  if (annotations !== undefined && Object.keys(annotations).length > 0) meta.annotations = annotations;
  const document: Record<string, unknown> = {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: meta,
  };
  if (object.spec !== undefined) document.spec = object.spec;
  return document;
}

/**
 * Validates an object read from the API server with core's rules, as a file's document would be.
 * `previous` is returned as it is when the declared part of the object did not change.
 */
export function toResource(object: KubeObject, previous?: ObjectResource): ObjectResource {
  const document = declared(object);
  const fingerprint = JSON.stringify(document);
  if (previous !== undefined && previous.fingerprint === fingerprint) return previous;
  const { resource, problems } = validateResource(document);
  const identity = {
    kind: object.kind,
    name: object.metadata?.name,
    namespace: object.metadata?.namespace,
  };
  return {
    loaded: resource === undefined ? undefined : { resource, origin: KUBERNETES_ORIGIN },
    problems: problems.map((problem) => ({ ...KUBERNETES_ORIGIN, ...identity, ...problem })),
    fingerprint,
  };
}
