/**
 * Retention: per topic `retentionMs` (records older than this) and `retentionBytes` (per
 * partition, oldest first while the partition holds more). Like Kafka, only a prefix of a
 * partition is ever deleted, so the offsets of the remaining records never change and the
 * partition's start offset moves forward.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Statements } from './statements.ts';

/** Applies retention to every topic that has a limit; returns how many records were deleted. */
export function applyRetention(db: DatabaseSync, s: Statements, now: number): number {
  let deleted = 0;
  for (const topic of s.topicsWithRetention.all()) {
    const topicId = topic.id as number;
    const retentionMs = topic.retention_ms as number | null;
    const retentionBytes = topic.retention_bytes as number | null;
    for (let partition = 0; partition < (topic.partitions as number); partition++) {
      deleted += trimPartition(db, s, topicId, partition, retentionMs, retentionBytes, now);
    }
  }
  return deleted;
}

function trimPartition(
  db: DatabaseSync,
  s: Statements,
  topicId: number,
  partition: number,
  retentionMs: number | null,
  retentionBytes: number | null,
  now: number,
): number {
  s.begin.run();
  try {
    const state = s.partitionState.get(topicId, partition);
    if (state === undefined) {
      s.rollback.run();
      return 0;
    }
    const start = state.start_offset as number;
    const next = state.next_offset as number;
    let timeCut = start;
    if (retentionMs !== null) {
      const first = s.firstOffsetSince.get(topicId, partition, now - retentionMs);
      timeCut = first === undefined ? next : (first.record_offset as number);
    }
    let sizeCut = start;
    const bytes = state.bytes as number;
    if (retentionBytes !== null && bytes > retentionBytes) {
      // Oldest first: the first record at which what is left fits the limit is the new start.
      let remaining = bytes;
      sizeCut = next;
      for (const row of s.recordSizes.iterate(topicId, partition) as Iterable<unknown[]>) {
        if (remaining <= retentionBytes) {
          sizeCut = row[0] as number;
          break;
        }
        remaining -= row[1] as number;
      }
    }
    const cut = Math.max(timeCut, sizeCut);
    if (cut <= start) {
      s.rollback.run();
      return 0;
    }
    const gone = s.bytesBefore.get(topicId, partition, cut)!;
    s.deleteBefore.run(topicId, partition, cut);
    s.partitionTrim.run(cut, gone.bytes as number, topicId, partition);
    s.commit.run();
    return gone.count as number;
  } catch (error) {
    if (db.isTransaction) s.rollback.run();
    throw error;
  }
}
