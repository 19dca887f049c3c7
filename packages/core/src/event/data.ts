import { EventyardError } from '../errors.ts';
import type { CloudEvent } from '../types.ts';
import { decodeUtf8 } from './bytes.ts';
import { isJsonContentType, isTextContentType } from './content-type.ts';

/**
 * The event's data as a value, by its content type: JSON types (and no content type, JSON format
 * §3.1) are parsed; text types give a string; other types give the bytes unchanged; no data gives
 * undefined. Throws EY_INVALID_EVENT when data declared as JSON is not JSON.
 */
export function parseJsonData(event: CloudEvent): unknown {
  const data = event.data;
  if (data === undefined) return undefined;
  const contentType = event.attributes.datacontenttype;
  if (isJsonContentType(contentType)) {
    const text = decodeUtf8(data);
    const declared =
      contentType === undefined ? 'no datacontenttype, so JSON' : `datacontenttype ${contentType}`;
    if (text === undefined) throw invalidData(`data is not valid UTF-8 JSON (${declared})`);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw invalidData(`data is not valid JSON (${declared}): ${(error as Error).message}`, error);
    }
  }
  if (isTextContentType(contentType)) return decodeUtf8(data) ?? data;
  return data;
}

function invalidData(message: string, cause?: unknown): EventyardError {
  return new EventyardError('EY_INVALID_EVENT', message, {
    status: 400,
    details: { attribute: 'data' },
    cause,
  });
}
