import type { Problem } from '@eventyard/core';

/** Orders problems by file, then document, keeping the order within a document. */
export function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => (a.file === b.file ? a.document - b.document : a.file < b.file ? -1 : 1));
}
