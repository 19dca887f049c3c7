import type { IncomingHttpHeaders } from 'node:http';
import { EventyardError, isJsonContentType, mediaType } from '@eventyard/core';
import type { WebhookRequest } from '../types.ts';

const FORM = 'application/x-www-form-urlencoded';
// Hoisted: one decoder for every request.
const utf8 = new TextDecoder();

/**
 * The body as mapping expressions see it: JSON parsed (what CRMs such as Salesforce, HubSpot and
 * Zendesk send), form fields as a map (Twilio, Slack), and any other body as its text.
 */
export function parseWebhookBody(raw: Uint8Array, contentType: string | undefined): unknown {
  if (raw.byteLength === 0) return null;
  const text = utf8.decode(raw);
  if (contentType !== undefined && isJsonContentType(contentType)) {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new EventyardError(
        'EY_MAPPING_FAILED',
        `the body is not valid JSON: ${(error as Error).message}`,
        {
          status: 400,
        },
      );
    }
  }
  if (contentType !== undefined && mediaType(contentType) === FORM) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  return text;
}

/** Header names lower-case (as node gives them); a repeated header's values joined with ", ". */
export function headerMap(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The variables of one request, for every expression of its source's mapping. */
export function webhookRequest(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  raw: Uint8Array,
): WebhookRequest {
  const parsed = new URL(url, 'http://webhook.invalid');
  const h = headerMap(headers);
  return {
    body: parseWebhookBody(raw, h['content-type']),
    headers: h,
    query: Object.fromEntries(parsed.searchParams),
    method,
    path: parsed.pathname,
  };
}
