/** Load generators: autocannon for ingress throughput, undici for batches and steady rates. */
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { BATCH_CONTENT_TYPE, binaryHeaders, DATA } from './events.ts';

export interface CannonResult {
  /** Mean requests per second (2xx and others). */
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** autocannon against `url` with a fixed request; `seconds` of load after `warmupSeconds`. */
export async function cannon(options: {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  seconds: number;
  warmupSeconds?: number;
}): Promise<CannonResult> {
  const base = {
    url: options.url,
    method: 'POST' as const,
    headers: options.headers,
    body: options.body,
    connections: options.connections,
  };
  if (options.warmupSeconds) await autocannon({ ...base, duration: options.warmupSeconds });
  const result = await autocannon({ ...base, duration: options.seconds });
  const answered = result.requests.total;
  return {
    rps: answered / options.seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/**
 * Posts `total` events in batched mode, `batchSize` per request, `concurrency` requests in flight.
 * Every request must answer 202.
 */
export async function postBatches(
  url: string,
  total: number,
  batchSize: number,
  concurrency: number,
  body: string,
): Promise<void> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: concurrency });
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          next += batchSize;
          const response = await pool.request({
            path: target.pathname,
            method: 'POST',
            headers: { 'content-type': BATCH_CONTENT_TYPE },
            body,
          });
          await response.body.dump();
          if (response.statusCode !== 202) throw new Error(`batch answered ${response.statusCode}`);
        }
      }),
    );
  } finally {
    await pool.close();
  }
}

/**
 * Single binary-mode POSTs at a steady `rate` per second for `seconds`; `sent(id, at)` is called
 * as each request leaves. Resolves once every request was answered 202.
 */
export async function steadyPosts(
  url: string,
  rate: number,
  seconds: number,
  prefix: string,
  sent: (id: string, at: number) => void,
): Promise<{ failed: number }> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: 64 });
  const total = Math.round(rate * seconds);
  const pending: Promise<void>[] = [];
  let failed = 0;
  try {
    const start = performance.now();
    let i = 0;
    while (i < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      for (; i < due; i++) {
        const id = `${prefix}-${i}`;
        sent(id, performance.now());
        pending.push(
          pool
            .request({ path: target.pathname, method: 'POST', headers: binaryHeaders(id), body: DATA })
            .then(
              async (response) => {
                await response.body.dump();
                if (response.statusCode !== 202) failed++;
              },
              () => {
                failed++;
              },
            ),
        );
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
    return { failed };
  } finally {
    await pool.close();
  }
}
