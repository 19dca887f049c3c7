import { EventyardError } from '../errors.ts';
import type { Destination } from './types.ts';

/**
 * The addressable kinds a `ref` may name without a cluster to ask: a Kubernetes Service and a
 * Knative Service, both reachable at the cluster-local name Knative's resolver gives them.
 */
const SERVICE_API_VERSIONS = new Set(['v1', 'serving.knative.dev/v1']);

function invalid(message: string, path: string): EventyardError {
  return new EventyardError('EY_INVALID_RESOURCE', message, { details: { path } });
}

/**
 * Resolves a duck/v1 Destination to the URL to send events to (Knative's
 * resolver.URIResolver.URIFromDestinationV1): a `uri` alone must be an absolute http(s) URL; a
 * `ref` becomes `http://NAME.NAMESPACE.svc.cluster.local`, with a relative `uri` resolved against
 * it. Throws EY_INVALID_RESOURCE with `details.path` (relative to the destination) otherwise.
 */
export function resolveDestination(dest: Destination, defaultNamespace: string): string {
  const { ref, uri } = dest;
  if (ref === undefined) {
    if (uri === undefined) throw invalid('needs a ref or a uri', '');
    const url = URL.parse(uri);
    if (url === null || url.host === '') {
      throw invalid(`uri "${uri}" must be an absolute URL such as http://host/path`, '/uri');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw invalid(`uri "${uri}" must use http or https, not ${url.protocol.slice(0, -1)}`, '/uri');
    }
    return url.href;
  }
  if (ref.kind !== 'Service' || !SERVICE_API_VERSIONS.has(ref.apiVersion ?? '')) {
    throw invalid(
      `cannot resolve a ref to ${ref.kind} "${ref.name}" (apiVersion ${ref.apiVersion ?? 'not set'}): only Service (v1) and Service (serving.knative.dev/v1) refs are supported; give a uri instead`,
      '/ref',
    );
  }
  const base = `http://${ref.name}.${ref.namespace ?? defaultNamespace}.svc.cluster.local`;
  if (uri === undefined) return base;
  if (URL.canParse(uri)) {
    throw invalid(`uri "${uri}" must be relative (such as /events) when ref is set`, '/uri');
  }
  return new URL(uri, `${base}/`).href;
}
