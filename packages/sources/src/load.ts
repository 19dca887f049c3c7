import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { SourceProblem } from './types.ts';

/** One resource document of a kind we were asked for, with where it came from. */
export interface SourceDocument {
  value: Record<string, unknown>;
  file: string;
  document: number;
  /** JSON pointer of the resource inside its document (`/items/2` in a List), or ''. */
  prefix: string;
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function filesOf(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const files: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) files.push(...(await filesOf(full)));
    else if (EXTENSIONS.has(extname(entry.name))) files.push(full);
  }
  return files;
}

/**
 * Every document of `kind` in the files (and folders, recursively: *.yaml, *.yml, *.json) at
 * `paths`. Other kinds are skipped, so sources can share a folder with Brokers and Triggers;
 * `List` documents are unpacked; YAML syntax errors are problems naming the line.
 */
export async function readSourceDocuments(
  paths: readonly string[],
  kind: string,
): Promise<{ documents: SourceDocument[]; problems: SourceProblem[] }> {
  const documents: SourceDocument[] = [];
  const problems: SourceProblem[] = [];
  for (const path of paths) {
    let files: string[];
    try {
      files = await filesOf(path);
    } catch (error) {
      problems.push({ file: path, document: 0, path: '', message: (error as Error).message });
      continue;
    }
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      parseAllDocuments(text).forEach((doc, document) => {
        if (doc.errors.length > 0) {
          for (const error of doc.errors) {
            const where = error.linePos?.[0];
            const reason = (error.message.split('\n', 1)[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
            problems.push({
              file,
              document,
              path: '',
              message: `YAML syntax error${where ? ` at line ${where.line}, column ${where.col}` : ''}: ${reason}`,
            });
          }
          return;
        }
        const visit = (value: unknown, prefix: string): void => {
          if (!isObject(value)) return;
          if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
            for (const [index, item] of value.items.entries()) visit(item, `${prefix}/items/${index}`);
            return;
          }
          if (value.kind === kind) documents.push({ value, file, document, prefix });
        };
        visit(doc.toJS({ maxAliasCount: 100 }), '');
      });
    }
  }
  return { documents, problems };
}

/** `file: document N: /spec/x: message`, the way `eventyard validate` prints problems. */
export function formatSourceProblem(problem: SourceProblem): string {
  return `${problem.file} (document ${problem.document + 1})${problem.path ? ` ${problem.path}` : ''}: ${problem.message}`;
}
