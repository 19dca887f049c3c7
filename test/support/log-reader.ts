import { type CloudEvent, fromLogRecord } from '@eventyard/core';
import { openEmbeddedLog } from '@eventyard/log';

/** Every event in a topic of an embedded log directory, in partition then offset order. */
export async function readEmbeddedTopic(dir: string, topic: string): Promise<CloudEvent[]> {
  const log = await openEmbeddedLog({ dir });
  try {
    const partitions = (await log.partitions(topic)) ?? 0;
    const events: CloudEvent[] = [];
    for (let partition = 0; partition < partitions; partition++) {
      for (let offset = 0; ; ) {
        const records = await log.read(topic, partition, offset, 1000);
        if (records.length === 0) break;
        for (const record of records) events.push(fromLogRecord(record));
        offset = records[records.length - 1]!.offset + 1;
      }
    }
    return events;
  } finally {
    await log.close();
  }
}
