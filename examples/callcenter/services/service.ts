import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CloudEvent, HTTP } from 'cloudevents';

/** Prints one line of a service's output, prefixed with its name (the runner colours it). */
export type Log = (line: string) => void;

/** What a handler answers: a status, and optionally a CloudEvent reply (Knative's reply contract). */
export interface Answer {
  status: number;
  reply?: CloudEvent<unknown>;
  /** Body of an error answer: what the broker records as the failure reason. */
  message?: string;
}

export type Handler = (event: CloudEvent<unknown>, path: string) => Answer | Promise<Answer>;

/**
 * A subscriber as Knative describes one: an HTTP server that takes CloudEvents (binary or
 * structured, read with the CloudEvents JavaScript SDK), answers 2xx, and may reply with an event
 * in binary mode, which the broker routes like any other.
 */
export async function startService(port: number, handler: Handler, log: Log): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      let event: CloudEvent<unknown>;
      try {
        event = HTTP.toEvent({
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }) as CloudEvent<unknown>;
      } catch (error) {
        log(`cannot read the request as a CloudEvent: ${(error as Error).message}`);
        response.writeHead(400).end();
        return;
      }
      let answer: Answer;
      try {
        answer = await handler(event, (request.url ?? '/').split('?')[0]!);
      } catch (error) {
        answer = { status: 500, message: (error as Error).message };
      }
      if (answer.reply) {
        const message = HTTP.binary(answer.reply);
        response
          .writeHead(answer.status, message.headers as Record<string, string>)
          .end(message.body as string);
        return;
      }
      response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.message ?? '');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** The data of a JSON event as an object (the SDK parses JSON data for us). */
export function dataOf<T>(event: CloudEvent<unknown>): T {
  return (typeof event.data === 'string' ? JSON.parse(event.data) : event.data) as T;
}

/** Runs a service on its own (`npx callcenter-event-display`, ...), on PORT or the given default. */
export async function runAlone(
  name: string,
  defaultPort: number,
  start: (port: number, log: Log) => Promise<Server>,
) {
  const port = Number(process.env.PORT ?? defaultPort);
  await start(port, (line) => console.log(`${name} | ${line}`));
  console.log(`${name} | listening on http://127.0.0.1:${port}`);
}
