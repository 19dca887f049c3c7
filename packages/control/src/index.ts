// Public API of @eventyard/control: resources from files (and, later, Kubernetes) into Contracts.
export { startFileControl } from './file-control.ts';
export { formatProblem } from './format.ts';
export { type KubernetesControlOptions, startKubernetesControl } from './kubernetes/index.ts';
export type * from './types.ts';
export { validatePaths } from './validate.ts';
