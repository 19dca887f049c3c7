/**
 * The kafkajs client every part of the Kafka log is built from, with kafkajs' own logging routed to
 * the caller's logger (or switched off).
 */
import { Kafka, type logCreator, logLevel } from 'kafkajs';
import type { KafkaLogLogger, KafkaLogOptions } from '../../types.ts';

const LEVELS = {
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
} as const;

/** Connection set-up is local or fails fast; a down broker must not hold callers for long. */
const CONNECTION_TIMEOUT_MS = 1_000;

export function createKafka(options: KafkaLogOptions, requestTimeoutMs: number): Kafka {
  const logger = options.logger;
  return new Kafka({
    clientId: options.clientId ?? 'eventyard',
    brokers: options.brokers,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestTimeout: requestTimeoutMs,
    // Every operation has its own deadline above kafkajs; these retries only smooth over blips
    // (leader moves, coordinator loading) and stay well inside those deadlines.
    retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 5 },
    logLevel: logger === undefined ? logLevel.NOTHING : LEVELS[options.logLevel ?? 'warn'],
    ...(logger === undefined ? {} : { logCreator: toLogger(logger) }),
  });
}

/**
 * kafkajs warns whenever an idempotent producer gets bounded retries. The log bounds them on
 * purpose and replaces the producer after a failed send (see producer.ts), so it is no warning.
 */
const EXPECTED_WARNING = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

function toLogger(logger: KafkaLogLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...details } = log;
      const entry = { component: 'kafkajs', namespace, ...details };
      if (message === EXPECTED_WARNING) logger.debug(entry, message);
      else if (level === logLevel.ERROR) logger.error(entry, message);
      else if (level === logLevel.WARN) logger.warn(entry, message);
      else if (level === logLevel.INFO) logger.info(entry, message);
      else logger.debug(entry, message);
    };
}
