import type { IncomingHttpHeaders } from 'node:http';
import {
  type CloudEvent,
  isEventyardError,
  type LogRecord,
  parseHttpRequest,
  toLogRecord,
} from '@eventyard/core';
import { MAX_REPLY_BYTES } from './delivery.ts';
import { ARRIVAL_ATTRIBUTE, TTL_ATTRIBUTE } from './envelope.ts';

/** What a subscriber's 2xx answer carried. */
export type Reply =
  /** No CloudEvent (empty body, or a body that is not an event: ignored, as Knative does). */
  | { kind: 'none' }
  | { kind: 'events'; events: CloudEvent[] }
  /** It claims to be a CloudEvent (ce- headers or an event format) but is not a valid one. */
  | { kind: 'invalid'; message: string };

const CLOUDEVENTS_MEDIA_PREFIX = 'application/cloudevents';

/**
 * Reads a 2xx response as a reply (Knative data-plane spec, "Derived reply events"): a response is
 * a CloudEvent when it has `ce-` headers (binary mode) or an `application/cloudevents…` content type
 * (structured or batched mode), exactly as an ingress request would be.
 */
export function readReply(headers: IncomingHttpHeaders, body: Uint8Array, truncated: boolean): Reply {
  if (!looksLikeCloudEvent(headers)) return { kind: 'none' };
  if (truncated) return { kind: 'invalid', message: `the reply is larger than ${MAX_REPLY_BYTES} bytes` };
  try {
    return { kind: 'events', events: parseHttpRequest(headers, body).events };
  } catch (error) {
    if (isEventyardError(error)) return { kind: 'invalid', message: error.message };
    throw error;
  }
}

function looksLikeCloudEvent(headers: IncomingHttpHeaders): boolean {
  const contentType = headers['content-type'];
  if (
    typeof contentType === 'string' &&
    contentType.trimStart().toLowerCase().startsWith(CLOUDEVENTS_MEDIA_PREFIX)
  ) {
    return true;
  }
  for (const name in headers) {
    // node and undici lower-case header names.
    if (
      name.length > 3 &&
      name.charCodeAt(0) === 0x63 &&
      name.charCodeAt(1) === 0x65 &&
      name.charCodeAt(2) === 0x2d
    ) {
      return true;
    }
  }
  return false;
}

/**
 * The log records of replies to an event that had `parentTtl` hops left: each costs one hop
 * (Knative's loop guard); undefined when no hop is left, so a reply loop ends. Each reply arrives
 * now, as if posted to the broker's ingress.
 */
export function replyRecords(events: CloudEvent[], parentTtl: number, now: number): LogRecord[] | undefined {
  const ttl = parentTtl - 1;
  if (ttl <= 0) return undefined;
  const arrival = new Date(now).toISOString();
  const records: LogRecord[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const attributes = events[i]!.attributes;
    attributes[TTL_ATTRIBUTE] = String(ttl);
    attributes[ARRIVAL_ATTRIBUTE] = arrival;
    records[i] = toLogRecord(events[i]!);
  }
  return records;
}
