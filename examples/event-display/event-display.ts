/**
 * A subscriber that prints every CloudEvent it receives, like Knative's event-display: the
 * quickest way to see what a Trigger delivers. Answers 200 (no reply).
 *
 *   node examples/event-display/event-display.ts [--port 9090]
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { parseHttpRequest, toJsonFormat } from '@eventyard/core';

const { values } = parseArgs({ options: { port: { type: 'string', default: process.env.PORT ?? '9090' } } });
const port = Number(values.port);

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    try {
      for (const event of parseHttpRequest(request.headers, Buffer.concat(chunks)).events) {
        process.stdout.write(`☁️  ${request.url}\n${JSON.stringify(toJsonFormat(event), null, 2)}\n`);
      }
      response.writeHead(200).end();
    } catch (error) {
      process.stdout.write(`not a CloudEvent: ${(error as Error).message}\n`);
      response.writeHead(400).end();
    }
  });
});
server.listen(port, () => process.stdout.write(`event-display listening on http://localhost:${port}/\n`));
