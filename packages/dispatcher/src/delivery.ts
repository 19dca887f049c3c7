import type { IncomingHttpHeaders } from 'node:http';
import type { HttpMessage } from '@eventyard/core';
import type { Dispatcher as HttpDispatcher } from 'undici';
import { invalidTarget } from './errors.ts';

/** A subscriber or sink URL, split once when the trigger loads (undici takes origin and path). */
export interface Target {
  readonly url: string;
  readonly origin: string;
  readonly path: string;
}

export function parseTarget(uri: string): Target {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (error) {
    throw invalidTarget(uri, 'is not an absolute URL', error);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidTarget(uri, 'is not an http(s) URL');
  }
  return { url: uri, origin: url.origin, path: `${url.pathname}${url.search}` };
}

/** The outcome of one HTTP attempt. */
export type AttemptResult =
  | {
      kind: 'response';
      status: number;
      headers: IncomingHttpHeaders;
      /** The whole body for a 2xx (up to `MAX_REPLY_BYTES`), the first `ERROR_BODY_BYTES` otherwise. */
      body: Uint8Array;
      /** True when the body was longer than what was kept. */
      truncated: boolean;
    }
  | { kind: 'timeout'; message: string }
  | { kind: 'network'; message: string }
  /** The dispatcher is stopping: neither success nor failure, the event stays uncommitted. */
  | { kind: 'aborted' };

/** Largest reply body read from a subscriber: a CloudEvent reply larger than this is a failed delivery. */
export const MAX_REPLY_BYTES = 4 * 1024 * 1024;
/** Knative keeps 1024 bytes of an error response (`knativeerrordata`). */
export const ERROR_BODY_BYTES = 1024;
const EMPTY = new Uint8Array(0);

/**
 * One POST of `message` to `target`, bounded by `timeoutMs` from start to the end of the body (as
 * Knative's per-request `delivery.timeout`). Never throws: transport errors and timeouts are results.
 */
export async function sendAttempt(
  http: HttpDispatcher,
  target: Target,
  message: HttpMessage,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<AttemptResult> {
  if (stop.aborted) return { kind: 'aborted' };
  // One controller per attempt, aborted by a timer that is cleared as soon as the attempt ends,
  // or by `stop`. Not AbortSignal.timeout + AbortSignal.any: their timer and signals lived for the
  // whole timeout (30 s by default) after every attempt, and each composite signal left weak
  // references on the long-lived `stop` signal; at 1,000 attempts/s that held ~40,000 timers and
  // signals and grew the heap for minutes (bench/RESULTS.md, benchmark 7).
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onStop = () => controller.abort();
  stop.addEventListener('abort', onStop, { once: true });
  try {
    const response = await http.request({
      origin: target.origin,
      path: target.path,
      method: 'POST',
      headers: message.headers,
      body: message.body ?? null,
      signal: controller.signal,
    });
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    const { body, truncated } = await readBody(response.body, ok ? MAX_REPLY_BYTES : ERROR_BODY_BYTES);
    return { kind: 'response', status: response.statusCode, headers: response.headers, body, truncated };
  } catch (error) {
    if (stop.aborted) return { kind: 'aborted' };
    if (timedOut) return { kind: 'timeout', message: `no answer within ${timeoutMs} ms` };
    return { kind: 'network', message: describeError(error) };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}

/** Reads up to `limit` bytes; the rest is discarded (the connection is then closed, not reused). */
async function readBody(
  body: HttpDispatcher.ResponseData['body'],
  limit: number,
): Promise<{ body: Uint8Array; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      size = limit;
      body.destroy();
      return { body: Buffer.concat(chunks, size), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  if (size === 0) return { body: EMPTY, truncated: false };
  return { body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), truncated: false };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${typeof code === 'string' ? `${code} ` : ''}${error.message}${cause}`;
}

/**
 * Knative's SelectiveRetry (pkg/kncloudevents/retries.go): transport errors, timeouts, 5xx, 404
 * (a pod becoming ready), 408, 409 and 429 are retried; 3xx and other 4xx are final.
 */
export function isRetryable(result: AttemptResult): boolean {
  if (result.kind !== 'response') return result.kind !== 'aborted';
  const status = result.status;
  return status >= 500 || status === 404 || status === 408 || status === 409 || status === 429;
}

/** The `response_code_class` label of an attempt. */
export function responseCodeClass(result: AttemptResult): string {
  if (result.kind === 'response') return `${Math.trunc(result.status / 100)}xx`;
  return result.kind;
}

/** A response header's single value. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
