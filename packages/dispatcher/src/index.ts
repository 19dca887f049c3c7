// Public API of @eventyard/dispatcher: consumes brokers' logs and delivers to triggers' subscribers.
export {
  ATTEMPTS_EXTENSION,
  ERROR_CODE_EXTENSION,
  ERROR_DATA_EXTENSION,
  ERROR_DEST_EXTENSION,
  ERROR_EXTENSION,
  TRIGGER_EXTENSION,
} from './dead-letter.ts';
export { createDispatcher } from './dispatcher.ts';
export { type RedriveResult, redriveDeadLetters, redriveGroup } from './redrive.ts';
export { RETRY_ATTEMPT_HEADER, RETRY_DUE_HEADER, RETRY_TRIGGER_HEADER } from './retry-record.ts';
export type * from './types.ts';
