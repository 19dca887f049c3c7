export { DATABASE_FILE, openEmbeddedLog } from './log.ts';
export type { EmbeddedLogOptions } from './types.ts';
