import { EventyardError } from '@eventyard/core';

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends EventyardError {
  constructor(message: string) {
    super('EY_INVALID_CONFIG', message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
