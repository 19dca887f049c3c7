/**
 * The events every benchmark sends: 1 KiB of JSON data, binary or batched mode, with a subject
 * (the fan-out benchmark's CEL triggers compare it).
 */

/** Exactly 1,024 bytes of JSON. */
export const DATA = (() => {
  const head = '{"customer":"c-42","intent":"loan","score":80,"note":"';
  const tail = '"}';
  return head + 'x'.repeat(1024 - head.length - tail.length) + tail;
})();

export const DATA_BYTES = Buffer.from(DATA);

export const EVENT_TYPE = 'com.example.bench';

/** Binary-mode headers of one event. */
export function binaryHeaders(id: string): Record<string, string> {
  return {
    'ce-specversion': '1.0',
    'ce-id': id,
    'ce-source': '/bench',
    'ce-type': EVENT_TYPE,
    'ce-subject': 's',
    'content-type': 'application/json',
  };
}

/** A batched-mode body (`application/cloudevents-batch+json`) of `size` events. */
export function batchBody(size: number, prefix: string): string {
  const parts = new Array<string>(size);
  for (let i = 0; i < size; i++) {
    parts[i] =
      `{"specversion":"1.0","id":"${prefix}-${i}","source":"/bench","type":"${EVENT_TYPE}","subject":"s",` +
      `"datacontenttype":"application/json","data":${DATA}}`;
  }
  return `[${parts.join(',')}]`;
}

export const BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json';
