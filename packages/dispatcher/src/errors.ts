import { EventyardError } from '@eventyard/core';

/** A dispatcher option out of range (a wiring mistake, reported at creation). */
export function invalidOption(name: string, rule: string, value: unknown): EventyardError {
  return new EventyardError(
    'EY_INVALID_CONFIG',
    `dispatcher option ${name} must be ${rule}, got ${String(value)}`,
    {
      details: { option: name },
    },
  );
}

/** A subscriber or sink URL the dispatcher cannot call. */
export function invalidTarget(uri: string, why: string, cause?: unknown): EventyardError {
  return new EventyardError('EY_INVALID_RESOURCE', `"${uri}" ${why}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { uri },
  });
}

export function dispatcherStopped(): EventyardError {
  return new EventyardError('EY_INTERNAL', 'the dispatcher is stopped; create a new one to dispatch again');
}

/** Some brokers of a Contract could not be read (the log refused); they are tried again. */
export function brokersNotStarted(failures: Array<{ broker: string; error: unknown }>): EventyardError {
  const list = failures.map(({ broker, error }) => `${broker}: ${(error as Error).message}`).join('; ');
  return new EventyardError(
    'EY_LOG_UNAVAILABLE',
    `${failures.length} broker(s) could not be dispatched: ${list}`,
    {
      retriable: true,
      cause: failures[0]?.error,
      details: { brokers: failures.map(({ broker }) => broker) },
    },
  );
}
