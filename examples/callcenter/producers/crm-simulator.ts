#!/usr/bin/env node
import { createHmac } from 'node:crypto';
import type { Log } from '../services/service.ts';
import type { CustomerUpdate } from '../services/types.ts';
import { pick, seeded } from './random.ts';

export interface CrmStats {
  sent: number;
  accepted: number;
  duplicates: number;
  failed: number;
  /** Accepted updates of platinum customers: the ones customer analytics cannot store. */
  platinum: number;
}

const CUSTOMERS = [
  { id: 'c-101', name: 'Ada Lovelace' },
  { id: 'c-117', name: 'Grace Hopper' },
  { id: 'c-123', name: 'Alan Turing' },
  { id: 'c-131', name: 'Katherine Johnson' },
];
const TIERS = ['standard', 'silver', 'gold', 'platinum'];

/**
 * A CRM (HubSpot, Salesforce, Zendesk...) as the webhook source sees it: plain JSON webhooks for
 * customer changes, signed with HMAC-SHA256 of the body (`x-crm-signature: sha256=<hex>`). Like
 * real CRMs it delivers at least once: every fourth webhook is sent twice, and the webhook
 * source acknowledges the second copy without publishing it again.
 */
export function startCrmSimulator(webhookUrl: string, secret: string, intervalMs: number, log: Log) {
  const random = seeded(7);
  const stats: CrmStats = { sent: 0, accepted: 0, duplicates: 0, failed: 0, platinum: 0 };
  let sequence = 0;
  const pending = new Set<Promise<unknown>>();

  const deliver = async (body: string, label: string, tier: string) => {
    stats.sent++;
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-crm-account': 'acme-bank',
        'x-crm-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      body,
    });
    const answer = (await response.json().catch(() => ({}))) as { status?: string; message?: string };
    if (response.status === 202) {
      stats.accepted++;
      if (tier === 'platinum') stats.platinum++;
    } else if (response.status === 200 && answer.status === 'duplicate') stats.duplicates++;
    else stats.failed++;
    log(`webhook ${label} -> ${response.status} ${answer.status ?? answer.message ?? ''}`);
  };

  const sendOne = () => {
    sequence++;
    const customer = pick(random, CUSTOMERS);
    const update: CustomerUpdate = {
      delivery_id: `wh-${String(sequence).padStart(4, '0')}`,
      event: 'customer.updated',
      occurred_at: new Date().toISOString(),
      // Tiers in turn, so every run has platinum customers (which customer analytics cannot store).
      customer: { ...customer, tier: TIERS[sequence % TIERS.length]! },
      changed: ['tier'],
    };
    const body = JSON.stringify(update);
    const label = `${update.delivery_id} ${customer.id} tier=${update.customer.tier}`;
    const resend = sequence % 4 === 0;
    const sending = deliver(body, label, update.customer.tier)
      .then(() => (resend ? deliver(body, `${label} (resent)`, update.customer.tier) : undefined))
      .catch((error: Error) => {
        stats.failed++;
        log(`webhook ${label} failed: ${error.message}`);
      });
    pending.add(sending);
    void sending.finally(() => pending.delete(sending));
  };

  const timer = setInterval(sendOne, intervalMs);
  return {
    stats,
    async stop() {
      clearInterval(timer);
      await Promise.allSettled([...pending]);
    },
  };
}

if (import.meta.main) {
  const url = process.env.WEBHOOK_URL ?? 'http://localhost:8090/webhooks/crm';
  const secret = process.env.CRM_WEBHOOK_SECRET ?? 'callcenter-demo-secret';
  startCrmSimulator(url, secret, Number(process.env.INTERVAL_MS ?? 1500), (line) =>
    console.log(`crm-simulator | ${line}`),
  );
}
