// Public API of the trigger filters: compile once per Trigger, evaluate per event, index per broker.
export { MAX_EXPRESSION_LENGTH } from './cel.ts';
export { compileTriggerFilter } from './compile.ts';
export type { SourcePosition } from './errors.ts';
export { createFilterInput } from './input.ts';
export { MAX_PATTERN_LENGTH } from './regex.ts';
export { type FilterExplanation, TriggerIndex, type TriggerIndexEntry } from './trigger-index.ts';
export type * from './types.ts';
