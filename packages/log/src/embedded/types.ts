import type { EventyardError } from '@eventyard/core';

export interface EmbeddedLogOptions {
  /** Directory holding the log's database file; created when missing. */
  dir: string;
  /** Milliseconds since the epoch, for record timestamps and retention. Default `Date.now`. */
  clock?: () => number;
  /** How often retention runs (it also runs on open). Default 60 000 ms. */
  retentionCheckIntervalMs?: number;
  /**
   * How often an idle consumer looks for records another process appended. Appends through this
   * process wake consumers at once; this is only the fallback. Default 1 000 ms.
   */
  pollIntervalMs?: number;
  /** Errors of background work (retention, consumer fetches) that have no caller to reject. */
  onError?: (error: EventyardError) => void;
}

/** What the log knows about a topic; immutable once the topic exists. */
export interface TopicMeta {
  id: number;
  name: string;
  partitions: number;
  retentionMs: number | null;
  retentionBytes: number | null;
}
