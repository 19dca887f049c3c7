// Public API of @eventyard/log: the EventLog contract, its embedded and Kafka implementations,
// Kafka's partitioner, and the append coalescer both writers share.

export { AppendCoalescer } from './append-coalescer.ts';
export type { EmbeddedLogOptions } from './embedded/index.ts';
export { openEmbeddedLog } from './embedded/index.ts';
export type {
  KafkaClientName,
  KafkaConsumerSettings,
  KafkaLogLogger,
  KafkaLogOptions,
} from './kafka/index.ts';
export { openKafkaLog } from './kafka/index.ts';
export { partitionFor } from './partitioner.ts';
export type * from './types.ts';
