import type { CloudEvent } from '../types.ts';

/** Request headers as node gives them (`IncomingHttpHeaders`): names lower-cased, values latin1. */
export type HttpHeaders = Record<string, string | string[] | undefined>;

/** CloudEvents HTTP protocol binding 1.0.2 §1.3: the three content modes. */
export type ContentMode = 'binary' | 'structured' | 'batch';

export interface ParsedRequest {
  mode: ContentMode;
  /** One event for binary and structured mode; one or more for batch mode. */
  events: CloudEvent[];
}

/** An HTTP message to send: header names lower-case, body as bytes. */
export interface HttpMessage {
  headers: Record<string, string>;
  body: Uint8Array | undefined;
}

/**
 * Where attribute values came from, so an error can name what the sender wrote: the header
 * (`ce-source` in HTTP binary mode, `ce_source` in a Kafka record) or the JSON member (with `path`
 * such as `events[3]` for a member of a batch).
 */
export interface AttributeOrigin {
  readonly mode: 'binary' | 'structured' | 'kafka';
  /** JSON path of the event object, e.g. `events[3]`; absent for a single structured event. */
  readonly path?: string;
  /** Position in a batch. */
  readonly index?: number;
}
