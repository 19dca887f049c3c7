import { type BrokerEntry, fromLogRecord, type StoredRecord, toLogRecord } from '@eventyard/core';
import type { EventLog } from '@eventyard/log';
import {
  ATTEMPTS_EXTENSION,
  ERROR_CODE_EXTENSION,
  ERROR_DATA_EXTENSION,
  ERROR_DEST_EXTENSION,
  ERROR_EXTENSION,
  TRIGGER_EXTENSION,
} from './dead-letter.ts';
import { toRetryRecord } from './retry-record.ts';

/** The extensions a dead letter carries about its failure; a redriven event goes out without them. */
const FAILURE_EXTENSIONS = [
  ERROR_DEST_EXTENSION,
  ERROR_CODE_EXTENSION,
  ERROR_DATA_EXTENSION,
  ERROR_EXTENSION,
  TRIGGER_EXTENSION,
  ATTEMPTS_EXTENSION,
];

/**
 * How far a broker's dead-letter topic has been redriven: a consumer group of its own, one for
 * "every trigger" and one per trigger redriven alone (so redriving one trigger never skips the
 * dead letters of another).
 */
export function redriveGroup(broker: { namespace: string; name: string }, trigger?: string): string {
  const base = `eventyard-redrive.${broker.namespace}.${broker.name}`;
  return trigger === undefined ? base : `${base}.${trigger.replace('/', '.')}`;
}

export interface RedriveResult {
  /** Dead letters handed back to their trigger. */
  redriven: number;
  /** Dead letters left alone: another trigger than asked, or a record that is not a CloudEvent. */
  skipped: number;
}

/**
 * Gives the dead letters of a broker that were not redriven yet back to the trigger that gave up
 * on them: each goes to the broker's retry topic as a first attempt due now, so only that trigger
 * delivers it again, with its whole retry policy. The redrive group then moves past them, so a
 * dead letter is redriven once; one that fails again becomes a new dead letter.
 */
export async function redriveDeadLetters(
  log: EventLog,
  broker: BrokerEntry,
  options: { trigger?: string; now?: () => number } = {},
): Promise<RedriveResult> {
  const now = options.now ?? Date.now;
  const group = redriveGroup(broker, options.trigger);
  const partitions = (await log.partitions(broker.deadLetterTopic)) ?? 0;
  if (partitions === 0) return { redriven: 0, skipped: 0 };
  const [committed, starts, ends] = await Promise.all([
    log.committedOffsets(group, broker.deadLetterTopic),
    log.startOffsets(broker.deadLetterTopic),
    log.endOffsets(broker.deadLetterTopic),
  ]);
  let redriven = 0;
  let skipped = 0;
  const done: Array<{ partition: number; offset: number }> = [];
  for (let partition = 0; partition < partitions; partition++) {
    const end = ends[partition] ?? 0;
    let offset = Math.max(committed[partition] ?? 0, starts[partition] ?? 0);
    while (offset < end) {
      const records = await log.read(broker.deadLetterTopic, partition, offset, 500);
      if (records.length === 0) break;
      const retries = [];
      for (const record of records) {
        const retry = toRedrive(record, options.trigger, now());
        if (retry) retries.push(retry);
        else skipped++;
      }
      if (retries.length > 0) await log.append(broker.retryTopic, retries);
      redriven += retries.length;
      offset = records[records.length - 1]!.offset + 1;
    }
    done.push({ partition, offset });
  }
  await log.setCommittedOffsets(group, broker.deadLetterTopic, done);
  return { redriven, skipped };
}

function toRedrive(record: StoredRecord, onlyTrigger: string | undefined, now: number) {
  let event: ReturnType<typeof fromLogRecord>;
  try {
    event = fromLogRecord(record);
  } catch {
    return undefined;
  }
  const trigger = event.attributes[TRIGGER_EXTENSION];
  if (trigger === undefined || (onlyTrigger !== undefined && trigger !== onlyTrigger)) return undefined;
  const attributes = { ...event.attributes };
  for (const name of FAILURE_EXTENSIONS) delete attributes[name];
  return toRetryRecord(toLogRecord({ attributes, data: event.data }), { trigger, attempt: 1, due: now });
}
