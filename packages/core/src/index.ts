// Public API of @eventyard/core: no I/O, only the model, codecs and pure logic.
export * from './backoff.ts';
export * from './cel/expression.ts';
export * from './contract.ts';
export * from './errors.ts';
export * from './event/index.ts';
export * from './filter/index.ts';
export * from './resources/index.ts';
export * from './schema-errors.ts';
export type * from './types.ts';
