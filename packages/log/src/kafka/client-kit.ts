import type { EventyardError } from '@eventyard/core';
import type { ConsumeOptions } from '../types.ts';
import type { LogAdmin } from './admin.ts';
import type { ProducerClient } from './appender.ts';
import type { GroupConsumer, KafkaConsumerSettings, KafkaLogOptions } from './types.ts';

/** What the Kafka EventLog gives a client's implementation. */
export interface ClientKitHost {
  options: KafkaLogOptions;
  requestTimeoutMs: number;
  settings: KafkaConsumerSettings;
  reportError(error: unknown, message: string): EventyardError;
  /** Called once a consumer is closed (or failed to start), to release its (group, topic) claim. */
  released(consumer: GroupConsumer): void;
}

/** One Kafka client's producer, admin and consumers: the parts the Kafka EventLog is built from. */
export interface ClientKit {
  producers(appendTimeoutMs: number): ProducerClient;
  admin: LogAdmin;
  newConsumer(options: ConsumeOptions, partitions: number): GroupConsumer;
}
