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
