/** Every SQL statement of the embedded log, prepared once per open database. */
import type { DatabaseSync, StatementSync } from 'node:sqlite';

export interface Statements {
  begin: StatementSync;
  commit: StatementSync;
  rollback: StatementSync;
  topicByName: StatementSync;
  insertTopic: StatementSync;
  insertPartition: StatementSync;
  topicsWithRetention: StatementSync;
  partitionNext: StatementSync;
  partitionAdvance: StatementSync;
  partitionOffsets: StatementSync;
  partitionState: StatementSync;
  partitionTrim: StatementSync;
  insertRecord: StatementSync;
  readRecords: StatementSync;
  firstOffsetSince: StatementSync;
  recordSizes: StatementSync;
  bytesBefore: StatementSync;
  deleteBefore: StatementSync;
  groupOffsets: StatementSync;
  upsertGroupOffset: StatementSync;
}

export function prepareStatements(db: DatabaseSync): Statements {
  const statements: Statements = {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    topicByName: db.prepare(
      'SELECT id, name, partitions, retention_ms, retention_bytes FROM topics WHERE name = ?',
    ),
    insertTopic: db.prepare(
      `INSERT INTO topics (name, partitions, retention_ms, retention_bytes, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO NOTHING`,
    ),
    insertPartition: db.prepare(
      'INSERT INTO partitions (topic_id, partition, start_offset, next_offset, bytes) VALUES (?, ?, 0, 0, 0)',
    ),
    topicsWithRetention: db.prepare(
      `SELECT id, name, partitions, retention_ms, retention_bytes FROM topics
       WHERE retention_ms IS NOT NULL OR retention_bytes IS NOT NULL`,
    ),
    partitionNext: db.prepare('SELECT next_offset FROM partitions WHERE topic_id = ? AND partition = ?'),
    partitionAdvance: db.prepare(
      'UPDATE partitions SET next_offset = ?, bytes = bytes + ? WHERE topic_id = ? AND partition = ?',
    ),
    partitionOffsets: db.prepare(
      'SELECT start_offset, next_offset FROM partitions WHERE topic_id = ? ORDER BY partition',
    ),
    partitionState: db.prepare(
      'SELECT start_offset, next_offset, bytes FROM partitions WHERE topic_id = ? AND partition = ?',
    ),
    partitionTrim: db.prepare(
      'UPDATE partitions SET start_offset = ?, bytes = bytes - ? WHERE topic_id = ? AND partition = ?',
    ),
    insertRecord: db.prepare(
      `INSERT INTO records (topic_id, partition, record_offset, timestamp, key, value, headers, size)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    readRecords: db.prepare(
      `SELECT record_offset, timestamp, key, value, headers, size FROM records
       WHERE topic_id = ? AND partition = ? AND record_offset >= ? ORDER BY record_offset LIMIT ?`,
    ),
    // Walks the partition from its oldest record and stops at the first one young enough.
    firstOffsetSince: db.prepare(
      `SELECT record_offset FROM records WHERE topic_id = ? AND partition = ? AND timestamp >= ?
       ORDER BY record_offset LIMIT 1`,
    ),
    recordSizes: db.prepare(
      `SELECT record_offset, size FROM records WHERE topic_id = ? AND partition = ?
       ORDER BY record_offset`,
    ),
    bytesBefore: db.prepare(
      `SELECT coalesce(sum(size), 0) AS bytes, count(*) AS count FROM records
       WHERE topic_id = ? AND partition = ? AND record_offset < ?`,
    ),
    deleteBefore: db.prepare(
      'DELETE FROM records WHERE topic_id = ? AND partition = ? AND record_offset < ?',
    ),
    groupOffsets: db.prepare(
      'SELECT partition, next_offset FROM group_offsets WHERE grp = ? AND topic_id = ?',
    ),
    upsertGroupOffset: db.prepare(
      `INSERT INTO group_offsets (grp, topic_id, partition, next_offset, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (grp, topic_id, partition) DO UPDATE
       SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`,
    ),
  };
  // Rows as arrays: the hot read paths index columns by position and skip building objects.
  statements.readRecords.setReturnArrays(true);
  statements.recordSizes.setReturnArrays(true);
  statements.partitionOffsets.setReturnArrays(true);
  statements.groupOffsets.setReturnArrays(true);
  return statements;
}
