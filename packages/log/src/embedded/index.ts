import type { EventLog } from '../types.ts';
import type { EmbeddedLogOptions } from './types.ts';

export type { EmbeddedLogOptions } from './types.ts';

/**
 * Opens the embedded EventLog in `options.dir`. Its implementation (and node:sqlite) is loaded
 * here, on first use, so a process on Kafka never loads it.
 */
export async function openEmbeddedLog(options: EmbeddedLogOptions): Promise<EventLog> {
  const { openEmbeddedLog: open } = await import('./log.ts');
  return open(options);
}
