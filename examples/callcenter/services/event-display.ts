#!/usr/bin/env node
import type { Server } from 'node:http';
import { type Log, runAlone, startService } from './service.ts';

export interface DisplayStats {
  events: number;
  deadLetters: number;
  byType: Map<string, number>;
}

/**
 * Knative's event_display for the call center: one line per event (every event goes through
 * the `event-display` trigger), and dead letters on /dead-letters with the reason the broker
 * attached (knativeerrorcode, knativeerrordata, and our eventyardtrigger/eventyardattempts).
 */
export async function startEventDisplay(port: number, log: Log, stats?: DisplayStats): Promise<Server> {
  return startService(
    port,
    (event, path) => {
      if (path === '/dead-letters') {
        if (stats) stats.deadLetters++;
        const reason = event.knativeerrordata
          ? Buffer.from(String(event.knativeerrordata), 'base64').toString('utf8')
          : '';
        log(
          `DEAD LETTER ${event.type} ${event.id}: trigger ${event.eventyardtrigger} gave up after ${event.eventyardattempts} attempts (${event.knativeerrorcode} ${reason})`,
        );
        return { status: 202 };
      }
      if (stats) {
        stats.events++;
        stats.byType.set(event.type, (stats.byType.get(event.type) ?? 0) + 1);
      }
      const data = typeof event.data === 'object' ? JSON.stringify(event.data) : String(event.data ?? '');
      log(
        `${event.type}  id=${event.id}  source=${event.source}  ${data.length > 90 ? `${data.slice(0, 87)}...` : data}`,
      );
      return { status: 202 };
    },
    log,
  );
}

if (import.meta.main) await runAlone('event-display', 9100, (port, log) => startEventDisplay(port, log));
