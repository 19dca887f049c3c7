/**
 * A CloudEvent as the broker carries it between the wire, the log and subscribers.
 *
 * Every context attribute (required, optional and extensions) is kept in its canonical string
 * form (CloudEvents 1.0.2 §"Type System": every attribute value has a string representation), and
 * `data` is kept as raw bytes, exactly as it travels in binary content mode. Structured-mode JSON
 * `data` is serialised once on the way in (and `data_base64` decoded), so every later stage moves
 * bytes and never re-parses unless a filter asks for the data.
 */
export interface CloudEvent {
  /** specversion, id, source, type, datacontenttype, dataschema, subject, time, and extensions. */
  attributes: Record<string, string>;
  /** The event payload as bytes, or undefined when the event has no data. */
  data: Uint8Array | undefined;
}

/**
 * One record as a log stores it: the Kafka record shape (key, value, headers). CloudEvents are
 * written in Kafka binary content mode (`ce_` headers), so both log implementations store the same
 * thing and tools such as `kcat` can read what the Kafka log wrote.
 */
export interface LogRecord {
  key: string | null;
  value: Uint8Array | null;
  headers: Record<string, string>;
}

/** A record read back from a log, with where it sits. */
export interface StoredRecord extends LogRecord {
  topic: string;
  partition: number;
  /** Offset within the partition; the next record has offset + 1. */
  offset: number;
  /** Append time, milliseconds since the epoch. */
  timestamp: number;
}
