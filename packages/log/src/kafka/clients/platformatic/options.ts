/** The @platformatic/kafka client options every part of the log shares: brokers, TLS, SASL. */
import type { Broker } from '@platformatic/kafka';
import { invalidArgument } from '../../../errors.ts';
import type { KafkaLogOptions } from '../../types.ts';

/** Connection set-up is local or fails fast; a down broker must not hold callers for long. */
const CONNECT_TIMEOUT_MS = 1_000;

export function connectionOptions(options: KafkaLogOptions): {
  clientId: string;
  bootstrapBrokers: string[] | Broker[];
  connectTimeout: number;
  tls?: NonNullable<Exclude<KafkaLogOptions['ssl'], boolean>>;
  sasl?: ReturnType<typeof toSasl>;
} {
  return {
    clientId: options.clientId ?? 'eventyard',
    bootstrapBrokers: options.brokers,
    connectTimeout: CONNECT_TIMEOUT_MS,
    ...(options.ssl === undefined || options.ssl === false
      ? {}
      : { tls: options.ssl === true ? {} : options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: toSasl(options.sasl) }),
  };
}

/** kafkajs-shaped SASL options (what KafkaLogOptions takes) in @platformatic/kafka's shape. */
function toSasl(sasl: NonNullable<KafkaLogOptions['sasl']>): {
  mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  username: string;
  password: string;
} {
  const mechanism = sasl.mechanism.toUpperCase();
  if (mechanism !== 'PLAIN' && mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512') {
    throw invalidArgument(`SASL mechanism ${sasl.mechanism} is not supported with the platformatic client`);
  }
  const { username, password } = sasl as { username: string; password: string };
  return { mechanism, username, password };
}
