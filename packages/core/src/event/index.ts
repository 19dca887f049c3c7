// CloudEvents codecs: HTTP (binary, structured, batched), the JSON event format, and Kafka records.
export { isJsonContentType, isTextContentType, mediaType, requestContentMode } from './content-type.ts';
export { parseJsonData } from './data.ts';
export { parseHttpRequest } from './http-decode.ts';
export { STRUCTURED_CONTENT_TYPE, toHttpBinary, toHttpStructured } from './http-encode.ts';
export { fromJsonFormat, toJsonFormat } from './json-format.ts';
export { fromLogRecord, toLogRecord } from './kafka.ts';
export { decodeHeaderValue, encodeHeaderValue } from './percent.ts';
export { hopsLeft, MAX_TTL, TTL_ATTRIBUTE } from './ttl.ts';
export type * from './types.ts';
export { isAttributeName, isRfc3339, validateAttributes } from './validate.ts';
