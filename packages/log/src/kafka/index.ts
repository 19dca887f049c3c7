// The Kafka implementation of EventLog.
export { openKafkaLog } from './log.ts';
export type { KafkaClientName, KafkaConsumerSettings, KafkaLogLogger, KafkaLogOptions } from './types.ts';
