import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The pod's namespace: $POD_NAMESPACE (downward API), the service account's, else "default". */
export function podNamespace(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    const namespace = readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim();
    if (namespace !== '') return namespace;
  } catch {
    // Not in a pod.
  }
  return 'default';
}

/**
 * A name for this replica in leader election: $POD_NAME, else the host name with a random suffix
 * (client-go's convention), so two processes on one machine never share an identity.
 */
export function replicaIdentity(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POD_NAME) return env.POD_NAME;
  return `${hostname()}_${randomBytes(4).toString('hex')}`;
}
