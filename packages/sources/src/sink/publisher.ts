import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelayMs, type CloudEvent, parseRetryAfter, toHttpBinary } from '@eventyard/core';
import type { Publisher, PublisherIo, PublishResult, SinkDelivery } from '../types.ts';

/*
 * Retry rules for a sink, as the broker's own dispatcher applies them to subscribers (DESIGN.md
 * "Delivery", after Knative): retry transport errors, timeouts, 5xx, 404 (a broker that a hot
 * reload has not routed yet), 408, 409, 425 and 429; honour Retry-After on 429 and 503 up to
 * `retryAfterMaxMs`; anything else is a rejection that no retry can fix.
 */
const RETRY_STATUSES = new Set([404, 408, 409, 425, 429]);
const RETRY_AFTER_STATUSES = new Set([429, 503]);
/** Longest sink error body kept for a message. */
const MAX_ERROR_TEXT = 1024;

function retryable(status: number): boolean {
  return status >= 500 || RETRY_STATUSES.has(status);
}

/** Whether the caller may succeed later with the same event (the sink was down or busy). */
function retriableLater(status: number | undefined): boolean {
  return status === undefined || status >= 500 || status === 429 || status === 408;
}

interface SinkError {
  code: string | undefined;
  message: string;
}

/** The broker answers errors as `{ code, message }`; any other sink is quoted as text. */
function sinkError(status: number, statusText: string, text: string): SinkError {
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof body.message === 'string') {
      return { code: typeof body.code === 'string' ? body.code : undefined, message: body.message };
    }
  } catch {
    // not JSON: quote it
  }
  const trimmed = text.trim().slice(0, MAX_ERROR_TEXT);
  return { code: undefined, message: trimmed === '' ? `${status} ${statusText}`.trim() : trimmed };
}

function transportMessage(error: unknown, timeoutMs: number): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = e.cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return e.message;
}

/**
 * A publisher to `sink`: each event is POSTed in binary content mode (CloudEvents HTTP binding
 * 1.0.2 §3.1), retried with backoff and jitter per `delivery`, and the outcome returned, never thrown.
 */
export function createPublisher(sink: string, delivery: SinkDelivery, io: PublisherIo = {}): Publisher {
  const doFetch = io.fetch ?? fetch;
  const sleep = io.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  const now = io.now ?? Date.now;
  const random = io.random ?? Math.random;
  const onAttempt = io.onAttempt;

  return {
    sink,
    async publish(event: CloudEvent, signal?: AbortSignal): Promise<PublishResult> {
      const message = toHttpBinary(event);
      const init: RequestInit = {
        method: 'POST',
        headers: message.headers,
        ...(message.body && message.body.byteLength > 0 ? { body: message.body } : {}),
      };
      let status: number | undefined;
      let error: SinkError = { code: undefined, message: 'not sent' };
      let retryAfterSeconds: number | undefined;
      let attempts = 0;
      for (;;) {
        attempts++;
        let retryAfterMs: number | undefined;
        retryAfterSeconds = undefined;
        try {
          const timeout = AbortSignal.timeout(delivery.timeoutMs);
          const response = await doFetch(sink, {
            ...init,
            signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          });
          status = response.status;
          const text = await response.text();
          onAttempt?.(status);
          if (status >= 200 && status < 300) return { ok: true, status, attempts };
          error = sinkError(status, response.statusText, text);
          if (RETRY_AFTER_STATUSES.has(status)) {
            const header = response.headers.get('retry-after') ?? undefined;
            retryAfterMs = parseRetryAfter(header, now());
            if (retryAfterMs !== undefined) retryAfterSeconds = Math.ceil(retryAfterMs / 1000);
          }
          if (!retryable(status)) break;
        } catch (thrown) {
          if (signal?.aborted) {
            return {
              ok: false,
              status: undefined,
              code: undefined,
              message: 'cancelled',
              attempts,
              retriable: true,
              retryAfterSeconds: undefined,
            };
          }
          onAttempt?.('error');
          status = undefined;
          error = { code: undefined, message: transportMessage(thrown, delivery.timeoutMs) };
        }
        if (attempts > delivery.retry) break;
        let wait = backoffDelayMs(delivery.backoffPolicy, delivery.backoffDelayMs, attempts, random);
        if (retryAfterMs !== undefined)
          wait = Math.max(wait, Math.min(retryAfterMs, delivery.retryAfterMaxMs));
        try {
          await sleep(wait, signal);
        } catch {
          break;
        }
      }
      return {
        ok: false,
        status,
        code: error.code,
        message: error.message,
        attempts,
        retriable: retriableLater(status),
        retryAfterSeconds,
      };
    },
  };
}
