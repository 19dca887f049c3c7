import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export function brokerYaml(namespace: string, name: string, extra = ''): string {
  return `apiVersion: eventing.knative.dev/v1
kind: Broker
metadata:
  name: ${name}
  namespace: ${namespace}
${extra}`;
}

/** Writes a file and returns its path. */
export async function writeManifest(dir: string, file: string, text: string): Promise<string> {
  const path = join(dir, file);
  await writeFile(path, text);
  return path;
}

export interface TriggerOptions {
  namespace?: string;
  broker?: string;
  /** YAML lines under spec (indented by the caller-agnostic helper), e.g. `filter: { attributes: { type: x } }`. */
  spec?: string;
  annotations?: Record<string, string>;
  apiVersion?: string;
}

/** A Trigger document; `spec` is extra YAML placed under `spec:` (each line indented two spaces). */
export function triggerYaml(name: string, subscriberUri: string, options: TriggerOptions = {}): string {
  const annotations = options.annotations
    ? `  annotations:\n${Object.entries(options.annotations)
        .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
        .join('\n')}\n`
    : '';
  const spec = (options.spec ?? '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `  ${line}`)
    .join('\n');
  return `apiVersion: ${options.apiVersion ?? 'eventyard.dev/v1'}
kind: Trigger
metadata:
  name: ${name}
  namespace: ${options.namespace ?? 'default'}
${annotations}spec:
  broker: ${options.broker ?? 'default'}
  subscriber: { uri: ${JSON.stringify(subscriberUri)} }
${spec}
`;
}

export function documents(...docs: string[]): string {
  return docs.join('---\n');
}
