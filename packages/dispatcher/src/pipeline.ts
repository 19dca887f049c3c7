import type { CloudEvent, LogRecord } from '@eventyard/core';
import type { BrokerTopics, DispatchContext } from './context.ts';
import { deadLetter, type FailureInfo, failureOf } from './dead-letter.ts';
import { isRetryable, responseCodeClass, sendAttempt } from './delivery.ts';
import { failpoint } from './failpoints.ts';
import { readReply, replyRecords } from './reply.ts';
import { maxAttempts, retryWaitMs } from './retry-policy.ts';
import { toRetryRecord } from './retry-record.ts';
import { sleep } from './sleep.ts';
import type { DeliveryJob, JobRunner, TriggerQueue } from './trigger-queue.ts';

/** Knative answers a malformed reply with 502 (broker filter `writeResponse`); the dead letter says so. */
const INVALID_REPLY_CODE = 502;

const utf8 = new TextEncoder();

/**
 * The life of one delivery (DESIGN.md "Data-plane rules"): attempt; on a 2xx handle the reply and
 * finish; on a retryable failure wait the backoff in place when it is short, or hand the event to
 * the broker's retry topic when it is long (so a failing subscriber never holds the stream); after
 * the last attempt, or on a final failure, dead-letter it. A delivery cut short by stop() is left
 * unfinished, so its record is read again.
 */
export function createJobRunner(context: DispatchContext, broker: () => BrokerTopics): JobRunner {
  return (trigger, job) => run(context, broker, trigger, job);
}

/** The whole delivery in one async function that never rejects, with no async wrapper around it. */
async function run(
  context: DispatchContext,
  broker: () => BrokerTopics,
  trigger: TriggerQueue,
  job: DeliveryJob,
): Promise<DeliveryJob> {
  // Set once the ticket was told: an exception after that must not finish the delivery twice.
  let finished = false;
  const finish = () => {
    finished = true;
    job.ticket.finishOne();
  };
  try {
    const { envelope } = job;
    for (;;) {
      const entry = trigger.entry;
      const delivery = entry.delivery;
      failpoint('deliver');
      const result = await sendAttempt(
        context.http,
        trigger.target,
        envelope.message(delivery.format),
        delivery.timeoutMs,
        context.stop,
      );
      if (result.kind === 'aborted') return job;
      trigger.metrics.attempt(responseCodeClass(result));

      let failure: FailureInfo;
      let retryable: boolean;
      if (result.kind === 'response' && result.status >= 200 && result.status < 300) {
        failpoint('reply');
        const reply = readReply(result.headers, result.body, result.truncated);
        if (reply.kind === 'events') {
          if (!(await appendReplies(context, broker(), trigger, job, reply.events))) return job;
        } else if (reply.kind === 'none' && result.body.length > 0) {
          context.logger.debug(
            { trigger: trigger.key, status: result.status },
            'reply is not a CloudEvent; ignored',
          );
        }
        if (reply.kind !== 'invalid') {
          trigger.metrics.latency(Math.max(0, context.now() - envelope.arrivalMs) / 1000);
          finish();
          return job;
        }
        trigger.metrics.reply('invalid');
        const reason = `the subscriber answered HTTP ${result.status} with an invalid CloudEvent: ${reply.message}`;
        failure = { code: INVALID_REPLY_CODE, data: utf8.encode(reason), reason };
        retryable = true;
      } else {
        failure = failureOf(result);
        retryable = isRetryable(result);
      }

      if (!retryable || job.attempt >= maxAttempts(delivery)) {
        const outcome = await deadLetter(context, {
          broker: broker(),
          envelope,
          trigger: trigger.key,
          subscriberUri: entry.subscriberUri,
          delivery,
          attempts: job.attempt,
          failure,
        });
        if (outcome === 'abandoned') return job;
        trigger.metrics.deadLetter(outcome);
        finish();
        return job;
      }

      const wait = retryWaitMs(delivery, job.attempt, result, context.now(), context.random);
      trigger.metrics.retry();
      // Ordered triggers wait in place whatever the wait: the retry topic would reorder their events.
      if (wait <= context.inPlaceRetryMaxMs || entry.ordered) {
        if (!(await sleep(wait, context.stop))) return job;
        job.attempt++;
        continue;
      }
      const topics = broker();
      const record = toRetryRecord(envelope.record, {
        trigger: trigger.key,
        attempt: job.attempt + 1,
        due: context.now() + wait,
      });
      if (!(await appendDurably(context, topics.retryTopic, [record], trigger.key))) return job;
      context.logger.debug(
        { trigger: trigger.key, id: envelope.event.attributes.id, attempt: job.attempt + 1, waitMs: wait },
        'retry scheduled through the retry topic',
      );
      finish();
      return job;
    }
  } catch (error) {
    // A bug, not a delivery failure. Leaving the record unfinished would hold its partition's
    // commit position until a restart, which then sends every later event again: the delivery is
    // given up on instead, dead-lettered with the reason, and logged.
    context.logger.error(
      { err: error, trigger: trigger.key, id: job.envelope.event.attributes.id },
      'delivery failed unexpectedly; the event is dead-lettered',
    );
    if (!finished) await giveUp(context, broker(), trigger, job, error);
    return job;
  }
}

/** Dead-letters a delivery that failed unexpectedly; never rejects (stays unfinished at stop). */
async function giveUp(
  context: DispatchContext,
  broker: BrokerTopics,
  trigger: TriggerQueue,
  job: DeliveryJob,
  error: unknown,
): Promise<void> {
  const reason = `delivery failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`;
  try {
    const entry = trigger.entry;
    const outcome = await deadLetter(context, {
      broker,
      envelope: job.envelope,
      trigger: trigger.key,
      subscriberUri: entry.subscriberUri,
      delivery: entry.delivery,
      attempts: job.attempt,
      failure: { code: undefined, data: utf8.encode(reason), reason },
    });
    if (outcome === 'abandoned') return;
    trigger.metrics.deadLetter(outcome);
    job.ticket.finishOne();
  } catch (deadLetterError) {
    context.logger.error(
      { err: deadLetterError, trigger: trigger.key, id: job.envelope.event.attributes.id },
      'dead-lettering failed too; the event stays uncommitted and is read again after a restart',
    );
  }
}

/** Appends replies to the broker with one hop less; false when stopped before the log took them. */
async function appendReplies(
  context: DispatchContext,
  broker: BrokerTopics,
  trigger: TriggerQueue,
  job: DeliveryJob,
  events: CloudEvent[],
): Promise<boolean> {
  const records = replyRecords(events, job.envelope.ttl, context.now());
  if (records === undefined) {
    trigger.metrics.reply('ttl_exhausted');
    context.logger.warn(
      { trigger: trigger.key, id: job.envelope.event.attributes.id, replyType: events[0]?.attributes.type },
      'reply dropped: its knativebrokerttl is exhausted (reply loop)',
    );
    return true;
  }
  if (!(await appendDurably(context, broker.topic, records, trigger.key))) return false;
  for (let i = 0; i < records.length; i++) trigger.metrics.reply('appended');
  return true;
}

/** Appends through the batcher until stored; false when the dispatcher stopped first. */
function appendDurably(
  context: DispatchContext,
  topic: string,
  records: LogRecord[],
  trigger: string,
): Promise<boolean> {
  return context.appender.appendDurably(topic, records, context.stop, (error) =>
    context.logger.error({ err: error, trigger, topic }, 'cannot write to the log; trying again'),
  );
}
