import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EventyardError } from '@eventyard/core';
import { type EventLog, openEmbeddedLog, openKafkaLog } from '@eventyard/log';
import type { Logger } from 'pino';
import type { StartConfig } from './config.ts';

/** `--kafka` selects the Kafka log; otherwise the embedded durable log in `--data-dir`. */
export async function openLog(config: StartConfig, logger: Logger): Promise<EventLog> {
  if (config.kafkaBrokers) {
    return openKafkaLog({
      brokers: config.kafkaBrokers,
      client: config.kafkaClient,
      ...(config.instanceId === undefined ? {} : { consumer: { groupInstanceId: config.instanceId } }),
      logger: logger.child({ component: 'kafka' }),
    });
  }
  const dir = resolve(config.dataDir);
  try {
    await mkdir(dir, { recursive: true });
    return await openEmbeddedLog({ dir });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new EventyardError(
      'EY_LOG_UNAVAILABLE',
      `cannot use data directory ${dir} (${reason}): check --data-dir and its permissions`,
      {
        cause: error,
      },
    );
  }
}
