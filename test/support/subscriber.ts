import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** performance.now() when the request was complete. */
  at: number;
  /** Wall clock when the request was complete. */
  wallClock: number;
}

export type Responder = (request: Received, count: number, response: ServerResponse) => unknown;

export interface Subscriber {
  readonly url: string;
  readonly received: Received[];
  /** Ids (ce-id header, or id of a structured body) in arrival order. */
  ids(): string[];
  respond(responder: Responder): void;
  /** Resolves when at least `count` requests arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** A real HTTP subscriber on port 0 that records every request; answers 200 unless told otherwise. */
export async function startSubscriber(t?: { after(fn: () => Promise<void>): void }): Promise<Subscriber> {
  const received: Received[] = [];
  let responder: Responder = (_request, _count, response) => {
    response.writeHead(200).end();
  };
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = {
        headers: req.headers,
        body: Buffer.concat(chunks),
        at: performance.now(),
        wallClock: Date.now(),
      };
      received.push(entry);
      for (const waiter of waiters.splice(0)) {
        if (received.length >= waiter.count) waiter.resolve();
        else waiters.push(waiter);
      }
      Promise.resolve(responder(entry, received.length, res)).catch(() => res.writeHead(500).end());
    });
  });
  server.keepAliveTimeout = 60000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const subscriber: Subscriber = {
    url,
    received,
    ids: () =>
      received.map((r) => {
        const header = r.headers['ce-id'];
        if (typeof header === 'string') return header;
        try {
          return String((JSON.parse(r.body.toString()) as { id?: string }).id);
        } catch {
          return '';
        }
      }),
    respond(next) {
      responder = next;
    },
    async waitFor(count, timeoutMs = 15000) {
      if (received.length < count) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              reject(
                new Error(`subscriber got ${received.length} of ${count} requests within ${timeoutMs} ms`),
              ),
            timeoutMs,
          );
          waiters.push({
            count,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
      }
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  t?.after(() => subscriber.close());
  return subscriber;
}

/** POSTs one binary-mode event and returns the status. */
export async function postEvent(
  url: string,
  attributes: { id: string; type: string; source?: string; [extension: string]: string | undefined },
  data?: unknown,
): Promise<number> {
  const headers: Record<string, string> = {
    'ce-specversion': '1.0',
    'ce-source': attributes.source ?? '/test',
  };
  for (const [name, value] of Object.entries(attributes))
    if (value !== undefined && name !== 'source') headers[`ce-${name}`] = value;
  if (data !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: 'POST',
    headers,
    ...(data === undefined ? {} : { body: JSON.stringify(data) }),
  });
  await response.body?.cancel();
  return response.status;
}
