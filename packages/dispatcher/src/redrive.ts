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
 * How far a broker's dead-letter topic has been redriven for one trigger: a consumer group per
 * trigger, committed in the log, so it survives restarts. Redriving the whole broker and redriving
 * one trigger move the same groups, so neither sends a dead letter the other already sent.
 */
export function redriveGroup(broker: { namespace: string; name: string }, trigger?: string): string {
  const base = `eventyard-redrive.${broker.namespace}.${broker.name}`;
  return trigger === undefined ? base : `${base}.${trigger.replace('/', '.')}`;
}

export interface RedriveResult {
  /** Dead letters handed back to their trigger. */
  redriven: number;
  /**
   * Dead letters left alone: another trigger than asked, a trigger the broker no longer has, or a
   * record that is not a CloudEvent. Those redriven before (without `again`) are not counted.
   */
  skipped: number;
}

export interface RedriveOptions {
  /** Only the dead letters of this trigger (`namespace/name`); otherwise those of every trigger in `triggers`. */
  trigger?: string;
  /** The broker's triggers (`namespace/name`): whose dead letters a whole-broker redrive gives back. */
  triggers?: readonly string[];
  /** Also the dead letters redriven before (from the start of the topic). */
  again?: boolean;
  now?: () => number;
}

/**
 * Gives the dead letters of a broker that were not redriven yet back to the trigger that gave up
 * on them: each goes to the broker's retry topic as a first attempt due now, so only that trigger
 * delivers it again, with its whole retry policy. Each trigger's redrive group then moves past
 * them, so a dead letter is redriven once unless `again` is asked; one that fails again becomes a
 * new dead letter.
 */
export async function redriveDeadLetters(
  log: EventLog,
  broker: BrokerEntry,
  options: RedriveOptions = {},
): Promise<RedriveResult> {
  const now = options.now ?? Date.now;
  const triggers = options.trigger === undefined ? [...new Set(options.triggers ?? [])] : [options.trigger];
  const partitions = (await log.partitions(broker.deadLetterTopic)) ?? 0;
  if (partitions === 0 || triggers.length === 0) {
    return { redriven: 0, skipped: partitions === 0 ? 0 : await countRecords(log, broker) };
  }
  const [starts, ends, legacy, ...committed] = await Promise.all([
    log.startOffsets(broker.deadLetterTopic),
    log.endOffsets(broker.deadLetterTopic),
    // Where a whole-broker redrive stopped before groups were kept per trigger: already sent.
    log.committedOffsets(redriveGroup(broker), broker.deadLetterTopic),
    ...triggers.map((trigger) => log.committedOffsets(redriveGroup(broker, trigger), broker.deadLetterTopic)),
  ]);
  /** Per trigger and partition: the first offset not redriven yet. */
  const from = new Map<string, number[]>();
  triggers.forEach((trigger, i) => {
    const offsets: number[] = [];
    for (let partition = 0; partition < partitions; partition++) {
      const start = starts[partition] ?? 0;
      offsets.push(
        options.again === true
          ? start
          : Math.max(start, committed[i]![partition] ?? 0, legacy[partition] ?? 0),
      );
    }
    from.set(trigger, offsets);
  });
  let redriven = 0;
  let skipped = 0;
  for (let partition = 0; partition < partitions; partition++) {
    const end = ends[partition] ?? 0;
    const first = starts[partition] ?? 0;
    // Read from the earliest point any asked trigger has not reached.
    let offset = Math.max(first, Math.min(...triggers.map((trigger) => from.get(trigger)![partition]!)));
    while (offset < end) {
      const records = await log.read(broker.deadLetterTopic, partition, offset, 500);
      if (records.length === 0) break;
      const retries = [];
      for (const record of records) {
        const retry = toRedrive(record, from, partition, now());
        if (retry === REDRIVEN_BEFORE) continue;
        if (retry) retries.push(retry);
        else skipped++;
      }
      if (retries.length > 0) await log.append(broker.retryTopic, retries);
      redriven += retries.length;
      offset = records[records.length - 1]!.offset + 1;
    }
  }
  await Promise.all(
    triggers.map((trigger) =>
      log.setCommittedOffsets(
        redriveGroup(broker, trigger),
        broker.deadLetterTopic,
        Array.from({ length: partitions }, (_, partition) => ({ partition, offset: ends[partition] ?? 0 })),
      ),
    ),
  );
  return { redriven, skipped };
}

/** Every dead letter of the broker, for a redrive that had no trigger to give them to. */
async function countRecords(log: EventLog, broker: BrokerEntry): Promise<number> {
  const [starts, ends] = await Promise.all([
    log.startOffsets(broker.deadLetterTopic),
    log.endOffsets(broker.deadLetterTopic),
  ]);
  let count = 0;
  for (let partition = 0; partition < ends.length; partition++)
    count += Math.max(0, (ends[partition] ?? 0) - (starts[partition] ?? 0));
  return count;
}

/** A dead letter of an asked trigger that an earlier redrive already gave back. */
const REDRIVEN_BEFORE = Symbol('redriven before');

function toRedrive(
  record: StoredRecord,
  from: ReadonlyMap<string, number[]>,
  partition: number,
  now: number,
) {
  let event: ReturnType<typeof fromLogRecord>;
  try {
    event = fromLogRecord(record);
  } catch {
    return undefined;
  }
  const trigger = event.attributes[TRIGGER_EXTENSION];
  const first = trigger === undefined ? undefined : from.get(trigger)?.[partition];
  if (first === undefined) return undefined;
  if (record.offset < first) return REDRIVEN_BEFORE;
  const attributes = { ...event.attributes };
  for (const name of FAILURE_EXTENSIONS) delete attributes[name];
  return toRetryRecord(toLogRecord({ attributes, data: event.data }), {
    trigger: trigger!,
    attempt: 1,
    due: now,
  });
}
