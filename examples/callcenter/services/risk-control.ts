#!/usr/bin/env node
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { CloudEvent } from 'cloudevents';
import { dataOf, type Log, runAlone, startService } from './service.ts';
import type { RiskAssessment, Transcription } from './types.ts';

/** A stand-in credit score: stable per customer, 300 to 850. */
export function scoreOf(customerId: string): number {
  return 300 + (createHash('sha256').update(customerId).digest().readUInt16BE(0) % 551);
}

/**
 * Risk control receives loan calls that the `loan-risk` trigger let through (CEL over the
 * transcription data) and replies with com.example.risk.assessed, which the broker appends and the
 * `loan-approval` trigger routes on.
 */
export async function startRiskControl(
  port: number,
  log: Log,
  assessed?: { count: number },
): Promise<Server> {
  return startService(
    port,
    (event) => {
      const call = dataOf<Transcription>(event);
      const score = scoreOf(call.customerId);
      const assessment: RiskAssessment = {
        callId: call.callId,
        customerId: call.customerId,
        score,
        recommendation: score >= 600 ? 'approve' : 'refer',
      };
      if (assessed) assessed.count++;
      log(
        `${call.callId}: loan request from ${call.customerId} (confidence ${call.confidence}) -> score ${score}`,
      );
      return {
        status: 200,
        reply: new CloudEvent({
          type: 'com.example.risk.assessed',
          source: '/callcenter/risk-control',
          id: `risk-${call.callId}`,
          subject: call.customerId,
          partitionkey: call.customerId,
          datacontenttype: 'application/json',
          data: assessment,
        }),
      };
    },
    log,
  );
}

if (import.meta.main) await runAlone('risk-control', 9101, (port, log) => startRiskControl(port, log));
