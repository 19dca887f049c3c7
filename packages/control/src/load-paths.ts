import { readFile } from 'node:fs/promises';
import type { Problem } from '@eventyard/core';
import { listConfigFiles } from './config-files.ts';
import { type FileResources, loadFileResources, textDigest } from './file-resources.ts';

export interface LoadedPaths {
  /** Per file, in a stable order. */
  files: Map<string, FileResources>;
  /** Configured paths that do not exist. */
  missing: string[];
  folders: string[];
}

/**
 * Reads every configured file, reusing `previous` for files whose text did not change and keeping
 * the last good resources of files that broke. A file that vanished is dropped with its resources.
 */
export async function loadPaths(
  paths: string[],
  previous?: Map<string, FileResources>,
): Promise<LoadedPaths> {
  const { files, missing, folders } = await listConfigFiles(paths);
  const loaded = new Map<string, FileResources>();
  for (const file of files) {
    const before = previous?.get(file);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      const problem: Problem = {
        file,
        document: 0,
        path: '',
        message: `cannot read the file: ${(error as Error).message}`,
      };
      const kept = before?.resources ?? [];
      loaded.set(file, { file, digest: before?.digest ?? '', resources: kept, problems: [problem], kept });
      continue;
    }
    loaded.set(
      file,
      before !== undefined && before.digest === textDigest(text)
        ? before
        : loadFileResources(file, text, before),
    );
  }
  return { files: loaded, missing, folders };
}
