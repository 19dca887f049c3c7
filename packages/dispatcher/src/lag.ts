import type { EventLog } from '@eventyard/log';

/**
 * Records of `topic` the group has not committed yet: end offset minus committed offset, summed
 * over partitions. A partition the group never committed counts from its oldest stored record
 * (the group starts at the earliest).
 */
export async function consumerLag(log: EventLog, group: string, topic: string): Promise<number> {
  const [ends, committed] = await Promise.all([log.endOffsets(topic), log.committedOffsets(group, topic)]);
  let starts: number[] | undefined;
  let lag = 0;
  for (let partition = 0; partition < ends.length; partition++) {
    let from = committed[partition] ?? null;
    if (from === null) {
      starts ??= await log.startOffsets(topic);
      from = starts[partition] ?? 0;
    }
    lag += Math.max(0, ends[partition]! - from);
  }
  return lag;
}
