import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchSubscriber {
  url: string;
  /** Requests answered so far. */
  count(): number;
  /** Arrival time (performance.now) of each event id, while `recording`. */
  arrivals: Map<string, number>;
  recording: boolean;
  /** Resolves once `count()` reaches `target`; rejects after `timeoutMs`. */
  waitFor(target: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A keep-alive HTTP subscriber that answers 200 with no body. While `recording`, it notes when
 * each event id first arrived (for latency); otherwise it only counts.
 */
export async function benchSubscriber(): Promise<BenchSubscriber> {
  const arrivals = new Map<string, number>();
  let count = 0;
  const state: BenchSubscriber = {
    url: '',
    count: () => count,
    arrivals,
    recording: false,
    waitFor: async (target, timeoutMs) => {
      const deadline = performance.now() + timeoutMs;
      while (count < target) {
        if (performance.now() > deadline) {
          throw new Error(`subscriber got ${count} of ${target} events within ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    if (state.recording) {
      const id = String(req.headers['ce-id']);
      if (!arrivals.has(id)) arrivals.set(id, performance.now());
    }
    req.resume();
    req.on('end', () => {
      count++;
      res.writeHead(200, { 'content-length': '0' }).end();
    });
  });
  server.keepAliveTimeout = 60000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
