#!/usr/bin/env node
import type { Server } from 'node:http';
import { dataOf, type Log, runAlone, startService } from './service.ts';
import type { CustomerUpdate, Transcription } from './types.ts';

export interface AnalyticsStats {
  stored: number;
  failed: number;
}

/**
 * The subscriber that fails on purpose, so retries and dead letters show: it cannot store calls
 * whose number is a multiple of 5, nor platinum customers (a schema it does not know). Those fail
 * on every attempt: after the trigger's retries, calls go to the dead-letter sink (event-display's
 * /dead-letters) and customers, whose trigger has no sink, to the broker's dead-letter topic
 * (`eventyard dlq list`). Every other event succeeds on the first try.
 */
export async function startFlakyAnalytics(
  port: number,
  log: Log,
  stats: AnalyticsStats = { stored: 0, failed: 0 },
): Promise<Server> {
  return startService(
    port,
    (event, path) => {
      if (path === '/calls') {
        const call = dataOf<Transcription>(event);
        if (Number(call.callId.replace(/\D/g, '')) % 5 === 0) {
          stats.failed++;
          log(`cannot store ${call.callId}: 500`);
          return { status: 500, message: `analytics store rejected ${call.callId}: partition full` };
        }
      } else {
        const update = dataOf<CustomerUpdate>(event);
        if (update.customer.tier === 'platinum') {
          stats.failed++;
          log(`cannot store customer ${update.customer.id}: unknown tier "platinum", 500`);
          return { status: 500, message: `unknown customer tier "platinum"` };
        }
      }
      stats.stored++;
      return { status: 202 };
    },
    log,
  );
}

if (import.meta.main) await runAlone('flaky-analytics', 9103, (port, log) => startFlakyAnalytics(port, log));
