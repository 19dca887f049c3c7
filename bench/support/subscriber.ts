import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A keep-alive HTTP subscriber that answers 200 and records when each event id arrived. */
export async function benchSubscriber(): Promise<{
  url: string;
  count: () => number;
  arrivals: Map<string, number[]>;
  close(): Promise<void>;
}> {
  const arrivals = new Map<string, number[]>();
  let count = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      const id = String(req.headers['ce-id']);
      const list = arrivals.get(id);
      if (list) list.push(performance.now());
      else arrivals.set(id, [performance.now()]);
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => count,
    arrivals,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
