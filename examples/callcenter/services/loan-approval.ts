#!/usr/bin/env node
import type { Server } from 'node:http';
import { dataOf, type Log, runAlone, startService } from './service.ts';
import type { RiskAssessment } from './types.ts';

export interface ApprovalStats {
  approved: number;
  referred: number;
}

/**
 * Loan approval decides on each com.example.risk.assessed (the risk-control reply), and on the
 * shift-report PingSource tick prints the batch so far, as a nightly batch job would run.
 */
export async function startLoanApproval(
  port: number,
  log: Log,
  stats: ApprovalStats = { approved: 0, referred: 0 },
): Promise<Server> {
  return startService(
    port,
    (event) => {
      if (event.type === 'dev.knative.sources.ping') {
        log(
          `shift report (${event.source}): ${stats.approved} approved, ${stats.referred} referred to a loan officer`,
        );
        return { status: 202 };
      }
      const risk = dataOf<RiskAssessment>(event);
      if (risk.recommendation === 'approve') {
        stats.approved++;
        log(`APPROVED ${risk.callId} for ${risk.customerId} (score ${risk.score})`);
      } else {
        stats.referred++;
        log(`REFERRED ${risk.callId} for ${risk.customerId} to a loan officer (score ${risk.score})`);
      }
      return { status: 202 };
    },
    log,
  );
}

if (import.meta.main) await runAlone('loan-approval', 9102, (port, log) => startLoanApproval(port, log));
