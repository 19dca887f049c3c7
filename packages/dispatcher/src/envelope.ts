import {
  type CloudEvent,
  fromLogRecord,
  type HttpMessage,
  hopsLeft,
  type LogRecord,
  MAX_TTL,
  TTL_ATTRIBUTE,
  toHttpBinary,
  toHttpStructured,
} from '@eventyard/core';

/** Knative's loop guard (pkg/broker/ttl.go): hops left; the broker keeps it, subscribers never see it. */
export { TTL_ATTRIBUTE };
/** What ingress starts every event with. */
export const DEFAULT_TTL = MAX_TTL;
/** Stamped by ingress (Knative's `knativearrivaltime`); the start of the dispatch latency. */
export const ARRIVAL_ATTRIBUTE = 'knativearrivaltime';

export type DeliveryFormat = 'binary' | 'json';

/**
 * One event read from the log, decoded once and shared by every trigger it matched: the HTTP
 * message for subscribers is encoded at most once per format, however many triggers receive it and
 * however many attempts they make.
 */
export class EventEnvelope {
  /** The record as read (its headers are reused when the event is written to the retry topic). */
  readonly record: LogRecord;
  readonly event: CloudEvent;
  /** Hops left before this event (its replies' descendants) are dropped. */
  readonly ttl: number;
  /** When ingress accepted the event (epoch ms). */
  readonly arrivalMs: number;
  #subscriberEvent: CloudEvent | undefined;
  #binary: HttpMessage | undefined;
  #structured: HttpMessage | undefined;

  constructor(record: LogRecord, event: CloudEvent, fallbackArrivalMs: number) {
    this.record = record;
    this.event = event;
    // Records may come from other writers (a Knative Kafka Broker's topic): a TTL that is not an
    // integer in range counts as the default, so it cannot fuel an endless reply loop.
    this.ttl = hopsLeft(event.attributes[TTL_ATTRIBUTE]);
    const arrival = event.attributes[ARRIVAL_ATTRIBUTE];
    const arrivalMs = arrival === undefined ? Number.NaN : Date.parse(arrival);
    this.arrivalMs = Number.isNaN(arrivalMs) ? fallbackArrivalMs : arrivalMs;
  }

  /** Decodes a record; throws EY_INVALID_EVENT for a record that is not a CloudEvent. */
  static fromRecord(record: LogRecord & { timestamp?: number }, now: number): EventEnvelope {
    return new EventEnvelope(record, fromLogRecord(record), record.timestamp ?? now);
  }

  /** The event as subscribers and dead-letter sinks see it: without the broker's TTL (as Knative's filter). */
  get subscriberEvent(): CloudEvent {
    if (this.#subscriberEvent === undefined) {
      const attributes = this.event.attributes;
      if (Object.hasOwn(attributes, TTL_ATTRIBUTE)) {
        const copy: Record<string, string> = {};
        for (const name in attributes) if (name !== TTL_ATTRIBUTE) copy[name] = attributes[name]!;
        this.#subscriberEvent = { attributes: copy, data: this.event.data };
      } else {
        this.#subscriberEvent = this.event;
      }
    }
    return this.#subscriberEvent;
  }

  /** The request to a subscriber, in binary or structured (`json`) content mode. */
  message(format: DeliveryFormat): HttpMessage {
    if (format === 'json') {
      this.#structured ??= subscriberMessage(this.subscriberEvent, 'json');
      return this.#structured;
    }
    this.#binary ??= subscriberMessage(this.subscriberEvent, 'binary');
    return this.#binary;
  }
}

/**
 * An event as an HTTP request to a subscriber or a sink: the CloudEvents HTTP binding in the given
 * mode, `Prefer: reply` (Knative data-plane spec, "Derived reply events": sent whether or not a
 * reply is wanted), and the Distributed Tracing extension's `traceparent`/`tracestate` also as the
 * W3C Trace Context headers, so a subscriber's tracing library joins the trace.
 */
export function subscriberMessage(event: CloudEvent, format: DeliveryFormat): HttpMessage {
  const message = format === 'json' ? toHttpStructured(event) : toHttpBinary(event);
  // undici copies a body that is a Uint8Array but not a Buffer into a Buffer on every request:
  // done once here, for every trigger and attempt that sends this message.
  const body = message.body;
  if (body !== undefined && !Buffer.isBuffer(body)) {
    message.body = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  const headers = message.headers;
  headers.prefer = 'reply';
  const attributes = event.attributes;
  if (Object.hasOwn(attributes, 'traceparent')) headers.traceparent = attributes.traceparent!;
  if (Object.hasOwn(attributes, 'tracestate')) headers.tracestate = attributes.tracestate!;
  return message;
}
