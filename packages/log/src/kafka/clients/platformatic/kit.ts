import type { ClientKit, ClientKitHost } from '../../client-kit.ts';
import { PlatformaticAdmin } from './admin.ts';
import { PlatformaticLogConsumer } from './consumer.ts';
import { platformaticProducers } from './producer.ts';

/** The Kafka EventLog's parts on @platformatic/kafka. */
export function openClientKit(host: ClientKitHost): ClientKit {
  const { options, requestTimeoutMs } = host;
  return {
    producers: (appendTimeoutMs) => platformaticProducers(options, appendTimeoutMs),
    admin: new PlatformaticAdmin(options, requestTimeoutMs),
    newConsumer: (consume, partitions) => new PlatformaticLogConsumer(host, consume, partitions),
  };
}
