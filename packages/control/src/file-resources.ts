import { createHash } from 'node:crypto';
import { type LoadedResource, type Problem, parseResourceDocuments, type Resource } from '@eventyard/core';

/** What one file contributes: its resources (with last good versions kept) and its problems. */
export interface FileResources {
  file: string;
  /**
   * Digest of the text these resources were read from: an unchanged text is not parsed again, and
   * the text itself (megabytes for thousands of Triggers) is not kept for the comparison.
   */
  digest: string;
  resources: LoadedResource[];
  problems: Problem[];
  /** Resources kept from the previous version of the file because their new version is broken. */
  kept: LoadedResource[];
}

export function resourceId(resource: Pick<Resource, 'kind' | 'metadata'>): string {
  return `${resource.kind}/${resource.metadata.namespace}/${resource.metadata.name}`;
}

/**
 * Reads a file's resources. When an edit breaks a resource, the last good version of it (same kind,
 * namespace and name, from the previous version of this file) keeps running; when a broken
 * document cannot even tell which resource it was, every resource of the previous version that is
 * no longer there is kept, since none of them can be shown to have been removed.
 */
export function loadFileResources(file: string, text: string, previous?: FileResources): FileResources {
  const { resources, problems } = parseResourceDocuments(text, file);
  const kept: LoadedResource[] = [];
  if (previous !== undefined && problems.length > 0) {
    const present = new Set(resources.map((loaded) => resourceId(loaded.resource)));
    const broken = new Set<string>();
    let unknownBroken = false;
    for (const problem of problems) {
      if (problem.kind === undefined || problem.name === undefined) unknownBroken = true;
      else broken.add(`${problem.kind}/${problem.namespace ?? 'default'}/${problem.name}`);
    }
    for (const loaded of previous.resources) {
      const id = resourceId(loaded.resource);
      if (!present.has(id) && (unknownBroken || broken.has(id))) kept.push(loaded);
    }
  }
  return { file, digest: textDigest(text), resources: [...resources, ...kept], problems, kept };
}

export function textDigest(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}
