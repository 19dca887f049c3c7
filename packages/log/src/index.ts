// Public API of @eventyard/log: the EventLog contract, Kafka's partitioner, and the embedded log.

export type { EmbeddedLogOptions } from './embedded/index.ts';
export { openEmbeddedLog } from './embedded/index.ts';
export type { KafkaConsumerSettings, KafkaLogLogger, KafkaLogOptions } from './kafka/index.ts';
export { openKafkaLog } from './kafka/index.ts';
export { partitionFor } from './partitioner.ts';
export type * from './types.ts';
