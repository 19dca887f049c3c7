import { EventyardError } from '@eventyard/core';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * The cluster and credentials: the given kubeconfig file, else what kubectl would use ($KUBECONFIG,
 * ~/.kube/config), else the pod's service account (in cluster).
 */
export function loadKubeConfig(file: string | undefined): KubeConfig {
  const config = new KubeConfig();
  try {
    if (file !== undefined) config.loadFromFile(file);
    else config.loadFromDefault();
  } catch (error) {
    throw new EventyardError(
      'EY_INVALID_CONFIG',
      `cannot read the kubeconfig${file === undefined ? '' : ` ${file}`}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (config.getCurrentCluster() === null) {
    throw new EventyardError(
      'EY_INVALID_CONFIG',
      `the kubeconfig${file === undefined ? '' : ` ${file}`} names no current cluster: set current-context`,
    );
  }
  return config;
}

/** The API server's URL, for messages. */
export function serverOf(config: KubeConfig): string {
  return config.getCurrentCluster()?.server ?? 'the API server';
}
