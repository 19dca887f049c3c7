// The resource model: schema validation, YAML/JSON loading, delivery and destination resolution,
// and the Contract built from resources.
export * from './annotations.ts';
export * from './build-contract.ts';
export * from './delivery.ts';
export * from './destination.ts';
export * from './duration.ts';
export * from './parse.ts';
export * from './schema.ts';
export * from './types.ts';
export * from './validate.ts';
