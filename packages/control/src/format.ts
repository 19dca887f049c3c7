import type { Problem } from '@eventyard/core';

/**
 * One line a person can act on, e.g. `examples/x.yaml (document 2, Trigger callcenter/loan-review):
 * /spec/delivery/backoffDelay: must be an ISO 8601 duration such as PT0.2S` (documents counted from 1).
 */
export function formatProblem(problem: Problem): string {
  const { file, document, kind, name, namespace, path, message } = problem;
  let where = `document ${document + 1}`;
  if (kind !== undefined && name !== undefined) where += `, ${kind} ${namespace ?? 'default'}/${name}`;
  else if (kind !== undefined) where += `, ${kind}`;
  return `${file} (${where}): ${path === '' ? '' : `${path}: `}${message}`;
}
