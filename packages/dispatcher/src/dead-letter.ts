import { type CloudEvent, type ResolvedDelivery, toLogRecord } from '@eventyard/core';
import type { BrokerTopics, DispatchContext } from './context.ts';
import { type AttemptResult, ERROR_BODY_BYTES, isRetryable, parseTarget, sendAttempt } from './delivery.ts';
import { type EventEnvelope, subscriberMessage } from './envelope.ts';
import { maxAttempts, retryWaitMs } from './retry-policy.ts';
import { sleep } from './sleep.ts';

/** Knative's error extensions (pkg/kncloudevents/attributes/knative_error.go). */
export const ERROR_DEST_EXTENSION = 'knativeerrordest';
export const ERROR_CODE_EXTENSION = 'knativeerrorcode';
export const ERROR_DATA_EXTENSION = 'knativeerrordata';
/** Ours: which trigger gave up, after how many attempts, and (dead-letter topic only) why. */
export const TRIGGER_EXTENSION = 'eventyardtrigger';
export const ATTEMPTS_EXTENSION = 'eventyardattempts';
export const ERROR_EXTENSION = 'eventyarderror';

/** Why a delivery was given up on. */
export interface FailureInfo {
  /** The HTTP status for `knativeerrorcode`; absent when no delivery was attempted. */
  code: number | undefined;
  /** The response body (at most 1024 bytes are kept) for `knativeerrordata`. */
  data: Uint8Array | undefined;
  /** In plain words, for logs and `eventyarderror`. */
  reason: string;
}

const utf8 = new TextEncoder();

/**
 * The failure an attempt ended with. A transport error or timeout is reported as Knative does
 * (event_dispatcher.go `executeRequest`): code 500 and `dispatch error: …` as the data, so tools
 * written for Knative dead letters read ours unchanged.
 */
export function failureOf(result: AttemptResult): FailureInfo {
  switch (result.kind) {
    case 'response':
      return {
        code: result.status,
        data: result.body,
        reason: `the subscriber answered HTTP ${result.status}`,
      };
    case 'timeout':
    case 'network': {
      const reason = `dispatch error: ${result.message}`;
      return { code: 500, data: utf8.encode(reason), reason };
    }
    default:
      return { code: undefined, data: undefined, reason: 'the dispatcher stopped' };
  }
}

export interface DeadLetterRequest {
  broker: BrokerTopics;
  envelope: EventEnvelope;
  /** Trigger key, `namespace/name`. */
  trigger: string;
  /** Where the event could not be delivered (`knativeerrordest`), when known. */
  subscriberUri: string | undefined;
  /** Gives the sink and the retry policy used to reach it. */
  delivery: ResolvedDelivery;
  attempts: number;
  failure: FailureInfo;
}

/** Where a dead letter went; `abandoned` when the dispatcher stopped first (the record stays uncommitted). */
export type DeadLetterOutcome = 'sink' | 'topic' | 'abandoned';

/**
 * Gives up on an event, never silently: POST it to the dead-letter sink with Knative's error
 * extensions (retried in place with the trigger's policy), else, when there is no sink or it keeps
 * failing, append it to the broker's dead-letter topic with `eventyarderror` saying why — until the
 * log takes it. (The Kafka broker drops the event when its sink fails; we do not.)
 */
export async function deadLetter(
  context: DispatchContext,
  request: DeadLetterRequest,
): Promise<DeadLetterOutcome> {
  const extensions = errorExtensions(request);
  let why: string;
  const sink = request.delivery.deadLetterUri;
  if (sink !== undefined) {
    const event: CloudEvent = {
      attributes: { ...request.envelope.subscriberEvent.attributes, ...extensions },
      data: request.envelope.event.data,
    };
    const result = await sendToSink(context, sink, event, request.delivery);
    if (result === 'delivered') return 'sink';
    if (result === 'aborted') return 'abandoned';
    why = `the dead-letter sink ${sink} failed: ${result}; ${request.failure.reason}`;
  } else {
    why = `no dead-letter sink is configured; ${request.failure.reason}`;
  }

  const record = toLogRecord({
    attributes: { ...request.envelope.event.attributes, ...extensions, [ERROR_EXTENSION]: why },
    data: request.envelope.event.data,
  });
  const topic = request.broker.deadLetterTopic;
  const stored = await context.appender.appendDurably(topic, [record], context.stop, (error) =>
    context.logger.error(
      { err: error, trigger: request.trigger, topic },
      'cannot write a dead letter to the log; trying again',
    ),
  );
  if (!stored) return 'abandoned';
  context.logger.warn(
    { trigger: request.trigger, id: request.envelope.event.attributes.id, topic, reason: why },
    'event dead-lettered to the broker dead-letter topic',
  );
  return 'topic';
}

function errorExtensions(request: DeadLetterRequest): Record<string, string> {
  const extensions: Record<string, string> = {};
  if (request.subscriberUri !== undefined) extensions[ERROR_DEST_EXTENSION] = request.subscriberUri;
  const { code, data } = request.failure;
  if (code !== undefined) extensions[ERROR_CODE_EXTENSION] = String(code);
  if (data !== undefined && data.length > 0) {
    // DESIGN.md: the body truncated to 1024 bytes, then base64 (Knative truncates the base64 text).
    const kept = data.length > ERROR_BODY_BYTES ? data.subarray(0, ERROR_BODY_BYTES) : data;
    extensions[ERROR_DATA_EXTENSION] = Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength).toString(
      'base64',
    );
  }
  extensions[TRIGGER_EXTENSION] = request.trigger;
  extensions[ATTEMPTS_EXTENSION] = String(request.attempts);
  return extensions;
}

/** POSTs to the sink with the same retry policy, in place; 'delivered', 'aborted', or why it failed. */
async function sendToSink(
  context: DispatchContext,
  sink: string,
  event: CloudEvent,
  delivery: ResolvedDelivery,
): Promise<string> {
  let target: ReturnType<typeof parseTarget>;
  try {
    target = parseTarget(sink);
  } catch (error) {
    return (error as Error).message;
  }
  const message = subscriberMessage(event, delivery.format);
  const attempts = maxAttempts(delivery);
  for (let attempt = 1; ; attempt++) {
    const result = await sendAttempt(context.http, target, message, delivery.timeoutMs, context.stop);
    if (result.kind === 'aborted') return 'aborted';
    if (result.kind === 'response' && result.status >= 200 && result.status < 300) return 'delivered';
    if (!isRetryable(result) || attempt >= attempts) {
      return `${failureOf(result).reason.replace('the subscriber', 'it')} (after ${attempt} attempt${attempt === 1 ? '' : 's'})`;
    }
    const wait = retryWaitMs(delivery, attempt, result, context.now(), context.random);
    if (!(await sleep(wait, context.stop))) return 'aborted';
  }
}
