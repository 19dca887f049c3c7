import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const EXTENSIONS = ['.yaml', '.yml', '.json'];
/** Never worth reading: version control, dependencies, hidden folders. */
const SKIPPED_FOLDERS = new Set(['node_modules']);

export interface ConfigFiles {
  /** Files to read, in a stable (sorted) order, spelled as the configured path joined with the rest. */
  files: string[];
  /** Configured paths that do not exist. */
  missing: string[];
  /** Configured paths that are folders (watched recursively). */
  folders: string[];
}

function isConfigFile(name: string): boolean {
  return EXTENSIONS.some((extension) => name.endsWith(extension));
}

async function kindOf(path: string): Promise<'file' | 'folder' | 'missing'> {
  try {
    const stats = await stat(path);
    return stats.isDirectory() ? 'folder' : 'file';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

async function walk(folder: string, out: string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    // A folder removed while we walk is simply gone.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
    const path = join(folder, entry.name);
    const kind = entry.isSymbolicLink() ? await kindOf(path) : entry.isDirectory() ? 'folder' : 'file';
    if (kind === 'folder') await walk(path, out);
    else if (kind === 'file' && isConfigFile(entry.name)) out.push(path);
  }
}

/** Lists the files behind the configured paths: a file as given, a folder recursively. */
export async function listConfigFiles(paths: string[]): Promise<ConfigFiles> {
  const result: ConfigFiles = { files: [], missing: [], folders: [] };
  const files: string[] = [];
  for (const path of paths) {
    const kind = await kindOf(path);
    if (kind === 'missing') result.missing.push(path);
    else if (kind === 'file') files.push(path);
    else {
      result.folders.push(path);
      await walk(path, files);
    }
  }
  result.files = [...new Set(files)].sort();
  return result;
}
