import type { Contract, Problem } from '@eventyard/core';

export type ControlLogger = Pick<Console, 'info' | 'warn' | 'error'>;

export interface FileControlOptions {
  /** Files, or folders read recursively for *.yaml, *.yml and *.json. */
  paths: string[];
  /** Apply edits, new files and deletions without a restart. */
  watch?: boolean;
  /** Broker topic template, `{namespace}` and `{name}` placeholders (core's default otherwise). */
  topicTemplate?: string;
  /** Quiet time after the last file-system event before reloading; default 100 ms. */
  debounceMs?: number;
  logger?: ControlLogger;
}

/** Where the data plane gets its Contract from, and hears about new ones. */
export interface ControlPlane {
  /** The newest contract. */
  current(): Contract;
  /** Called with every new contract generation; returns a function that unsubscribes. */
  subscribe(listener: (contract: Contract) => void): () => void;
  /** Everything wrong with the resources right now, including why triggers are not ready. */
  problems(): Problem[];
  /** Stops watching; waits for a reload in progress. */
  close(): Promise<void>;
}

export interface ValidateOptions {
  topicTemplate?: string;
}
