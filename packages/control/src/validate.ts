import { buildContractWithProblems, type Problem } from '@eventyard/core';
import { loadPaths } from './load-paths.ts';
import { sortProblems } from './sort-problems.ts';
import type { ValidateOptions } from './types.ts';

/**
 * Every problem in the given files and folders, for `eventyard validate`: schema and YAML errors,
 * duplicates, and each reason a trigger or broker would not be ready (BrokerNotFound,
 * FilterInvalid, SubscriberInvalid, ...). Sorted by file and document.
 */
export async function validatePaths(paths: string[], options: ValidateOptions = {}): Promise<Problem[]> {
  const { files, missing } = await loadPaths(paths);
  const problems: Problem[] = missing.map((file) => ({
    file,
    document: 0,
    path: '',
    message: 'no such file or folder',
  }));
  const loaded = [...files.values()];
  problems.push(...loaded.flatMap((file) => file.problems));
  const build = buildContractWithProblems({
    resources: loaded.flatMap((file) => file.resources),
    topicTemplate: options.topicTemplate,
  });
  problems.push(...build.problems);
  return sortProblems(problems);
}
