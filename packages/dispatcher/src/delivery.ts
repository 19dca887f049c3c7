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
const ABORTED: AttemptResult = { kind: 'aborted' };
/** Until a response starts (an attempt that never got one does not expose its headers). */
const NO_HEADERS: IncomingHttpHeaders = Object.freeze({});

/**
 * One POST of `message` to `target`, bounded by `timeoutMs` from start to the end of the body (as
 * Knative's per-request `delivery.timeout`). Never rejects: transport errors and timeouts are results.
 *
 * Sent with undici's `dispatch` and one handler object per attempt that collects the body, rather
 * than `request`, which builds a Readable body stream (and an AsyncResource) per response that we
 * then drained through an async iterator, with an AbortController and two listeners per attempt:
 * 50 → 30 µs of CPU per attempt against a keep-alive subscriber (bench/RESULTS.md, benchmark 3).
 */
export function sendAttempt(
  http: HttpDispatcher,
  target: Target,
  message: HttpMessage,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<AttemptResult> {
  if (stop.aborted) return Promise.resolve(ABORTED);
  const { promise, resolve } = Promise.withResolvers<AttemptResult>();
  const attempt = new Attempt(resolve, timeoutMs, attemptsStoppedBy(stop));
  try {
    http.dispatch(
      {
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers: message.headers,
        body: message.body ?? null,
      },
      attempt,
    );
  } catch (error) {
    attempt.onResponseError(undefined, error as Error);
  }
  return promise;
}

/**
 * The attempts in flight under each stop signal: one `abort` listener per signal that ends them
 * all, instead of an add/removeEventListener pair (and an AbortController) per attempt.
 */
const inFlight = new WeakMap<AbortSignal, Set<Attempt>>();

function attemptsStoppedBy(stop: AbortSignal): Set<Attempt> {
  let attempts = inFlight.get(stop);
  if (attempts === undefined) {
    const created = new Set<Attempt>();
    stop.addEventListener(
      'abort',
      () => {
        for (const attempt of created) attempt.cancel(ABORTED);
      },
      { once: true },
    );
    inFlight.set(stop, created);
    attempts = created;
  }
  return attempts;
}

function onTimeout(attempt: Attempt): void {
  attempt.cancel({ kind: 'timeout', message: `no answer within ${attempt.timeoutMs} ms` });
}

/**
 * undici's handler for one attempt: keeps the status, headers and up to `limit` bytes of the body
 * (the whole body for a 2xx, up to `MAX_REPLY_BYTES`; the first `ERROR_BODY_BYTES` otherwise) and
 * settles once, on the first of: the end of the response, an error, the timer, or stop. A request
 * cut short (timeout, stop, a body over the limit) is aborted, which closes its connection rather
 * than reusing it with a response half read. A timeout is a timeout even before the request got a
 * connection. The timer is cleared as soon as the attempt settles: timers and signals that lived
 * for the whole timeout after each attempt held tens of thousands of them in the soak
 * (bench/RESULTS.md, benchmark 7).
 */
class Attempt implements HttpDispatcher.DispatchHandler {
  readonly timeoutMs: number;
  readonly #resolve: (result: AttemptResult) => void;
  readonly #attempts: Set<Attempt>;
  readonly #timer: NodeJS.Timeout;
  #controller: HttpDispatcher.DispatchController | undefined;
  #settled = false;
  #status = 0;
  #headers = NO_HEADERS;
  #limit = ERROR_BODY_BYTES;
  #chunks: Buffer[] | undefined;
  #size = 0;

  constructor(resolve: (result: AttemptResult) => void, timeoutMs: number, attempts: Set<Attempt>) {
    this.#resolve = resolve;
    this.timeoutMs = timeoutMs;
    this.#attempts = attempts;
    attempts.add(this);
    this.#timer = setTimeout(onTimeout, timeoutMs, this);
  }

  /** Ends the attempt with `result` (a timeout, or stop) and aborts its request. */
  cancel(result: AttemptResult): void {
    if (this.#settled) return;
    this.#settle(result);
    // Before the request reached a connection there is nothing to abort yet: onRequestStart does it.
    this.#controller?.abort(new Error(result.kind === 'timeout' ? result.message : 'the dispatcher stopped'));
  }

  onRequestStart(controller: HttpDispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#settled) controller.abort(new Error('the attempt already ended'));
  }

  onResponseStart(
    _controller: HttpDispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    // 1xx informational responses are followed by the real one.
    if (statusCode < 200) return;
    this.#status = statusCode;
    this.#headers = headers;
    this.#limit = statusCode < 300 ? MAX_REPLY_BYTES : ERROR_BODY_BYTES;
  }

  onResponseData(controller: HttpDispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    const room = this.#limit - this.#size;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (this.#chunks === undefined) this.#chunks = [kept];
    else this.#chunks.push(kept);
    this.#size += kept.length;
    if (kept !== chunk) {
      this.#respond(true);
      controller.abort(new Error('response body over the limit; the rest is discarded'));
    }
  }

  onResponseEnd(): void {
    if (!this.#settled) this.#respond(false);
  }

  onResponseError(_controller: HttpDispatcher.DispatchController | undefined, error: Error): void {
    if (!this.#settled) this.#settle({ kind: 'network', message: describeError(error) });
  }

  #respond(truncated: boolean): void {
    const chunks = this.#chunks;
    const size = this.#size;
    let body: Uint8Array = EMPTY;
    if (chunks !== undefined && size > 0)
      body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    this.#settle({ kind: 'response', status: this.#status, headers: this.#headers, body, truncated });
  }

  #settle(result: AttemptResult): void {
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#attempts.delete(this);
    this.#chunks = undefined;
    this.#resolve(result);
  }
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
