/**
 * The embedded log's storage: one SQLite database in WAL mode with `synchronous=FULL`, so a
 * committed append transaction has been fsynced to the WAL before `append` resolves and survives
 * `kill -9` and power loss (https://www.sqlite.org/pragma.html#pragma_synchronous).
 */
import type { DatabaseSync } from 'node:sqlite';
import { logUnavailable } from '../errors.ts';

export const SCHEMA_VERSION = 1;

const PRAGMAS = `
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA busy_timeout = 5000;
PRAGMA foreign_keys = OFF;
PRAGMA journal_size_limit = 67108864;
`;

// Offsets live in `partitions.next_offset` rather than being derived from the records, so
// retention can delete every record of a partition without the next offset going back.
const SCHEMA_V1 = `
CREATE TABLE topics (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  partitions INTEGER NOT NULL,
  retention_ms INTEGER,
  retention_bytes INTEGER,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE partitions (
  topic_id INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  start_offset INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (topic_id, partition)
) STRICT, WITHOUT ROWID;

CREATE TABLE records (
  id INTEGER PRIMARY KEY,
  topic_id INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  record_offset INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  key BLOB,
  value BLOB,
  headers TEXT,
  size INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX records_position ON records (topic_id, partition, record_offset);

CREATE TABLE group_offsets (
  grp TEXT NOT NULL,
  topic_id INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (grp, topic_id, partition)
) STRICT, WITHOUT ROWID;
`;

/** Sets the durability pragmas and creates or checks the schema. */
export function prepareDatabase(db: DatabaseSync, file: string): void {
  db.exec(PRAGMAS);
  const mode = db.prepare('PRAGMA journal_mode').get()?.journal_mode;
  if (mode !== 'wal') {
    throw logUnavailable(
      `cannot use write-ahead logging for the event log at ${file} (journal mode ${mode})`,
      undefined,
      {
        path: file,
      },
    );
  }
  const version = Number(db.prepare('PRAGMA user_version').get()?.user_version ?? 0);
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) {
    throw logUnavailable(
      `the event log at ${file} has schema version ${version}, newer than this version understands (${SCHEMA_VERSION})`,
      undefined,
      { path: file },
    );
  }
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(SCHEMA_V1);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
