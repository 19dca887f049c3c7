/**
 * Coded errors. Every error the project raises on purpose is an `EventyardError` with a stable
 * `EY_*` code, an HTTP status where one applies, and whether retrying the same operation can help.
 */
export type ErrorCode =
  | 'EY_INVALID_EVENT'
  | 'EY_INVALID_REQUEST'
  | 'EY_INVALID_RESOURCE'
  | 'EY_INVALID_CONFIG'
  | 'EY_INVALID_FILTER'
  | 'EY_DATA_LIMIT'
  | 'EY_UNSUPPORTED_MEDIA_TYPE'
  | 'EY_INVALID_CONTENT_TYPE'
  | 'EY_BODY_TOO_LARGE'
  | 'EY_REQUEST_TIMEOUT'
  | 'EY_BROKER_NOT_FOUND'
  | 'EY_TRIGGER_NOT_FOUND'
  | 'EY_TTL_EXHAUSTED'
  | 'EY_LOG_UNAVAILABLE'
  | 'EY_LOG_CLOSED'
  | 'EY_TOPIC_NOT_FOUND'
  | 'EY_GROUP_ACTIVE'
  | 'EY_DELIVERY_FAILED'
  | 'EY_METHOD_NOT_ALLOWED'
  | 'EY_SIGNATURE_INVALID'
  | 'EY_MAPPING_FAILED'
  | 'EY_SINK_REJECTED'
  | 'EY_NOT_FOUND'
  | 'EY_KUBERNETES_UNAVAILABLE'
  | 'EY_INTERNAL';

export interface EventyardErrorOptions {
  /** HTTP status to answer with when this error reaches a client. */
  status?: number;
  /** True when the same operation may succeed if tried again (e.g. the log was briefly down). */
  retriable?: boolean;
  cause?: unknown;
  /** Machine-readable detail, e.g. `{ attribute: 'source' }` or `{ path: '/spec/broker' }`. */
  details?: Record<string, unknown>;
}

export class EventyardError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly retriable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: EventyardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EventyardError';
    this.code = code;
    this.status = options.status;
    this.retriable = options.retriable ?? false;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isEventyardError(error: unknown, code?: ErrorCode): error is EventyardError {
  return error instanceof EventyardError && (code === undefined || error.code === code);
}
