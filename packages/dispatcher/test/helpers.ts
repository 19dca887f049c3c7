// Shared fixtures for the dispatcher tests: a real embedded log in a temp dir, real HTTP
// subscribers on port 0, and Contracts built from YAML exactly as the control plane builds them.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildContract,
  type CloudEvent,
  type Contract,
  fromLogRecord,
  parseHttpRequest,
  parseResourceDocuments,
  type StoredRecord,
  toLogRecord,
} from '@eventyard/core';
import { type EventLog, openEmbeddedLog } from '@eventyard/log';
import { Registry } from 'prom-client';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from '../src/index.ts';

export interface TestContext {
  after(fn: () => unknown): void;
}

const cleanups = new WeakMap<TestContext, Array<() => unknown>>();

/**
 * Registers cleanup to run in reverse order of registration (node:test runs `after` hooks in
 * registration order): the dispatcher stops before the log it uses closes.
 */
export function defer(t: TestContext, fn: () => unknown): void {
  let stack = cleanups.get(t);
  if (stack === undefined) {
    const created: Array<() => unknown> = [];
    stack = created;
    cleanups.set(t, created);
    t.after(async () => {
      while (created.length > 0) await created.pop()!();
    });
  }
  stack.push(fn);
}

export async function openLog(t: TestContext, dir?: string): Promise<{ log: EventLog; dir: string }> {
  const where = dir ?? (await mkdtemp(join(tmpdir(), 'dispatcher-')));
  const log = await openEmbeddedLog({ dir: where, pollIntervalMs: 50 });
  defer(t, async () => {
    await log.close();
    if (dir === undefined) await rm(where, { recursive: true, force: true });
  });
  return { log, dir: where };
}

export function contractOf(yaml: string, previous?: Contract): Contract {
  const { resources, problems } = parseResourceDocuments(yaml, 'test.yaml');
  if (problems.length > 0) throw new Error(`bad test YAML: ${JSON.stringify(problems)}`);
  return buildContract({ resources, ...(previous ? { previous } : {}) });
}

export function brokerYaml(name = 'default', namespace = 'ns', partitions = 1): string {
  return `apiVersion: eventyard.dev/v1
kind: Broker
metadata: { name: ${name}, namespace: ${namespace} }
spec: { partitions: ${partitions} }
`;
}

export interface TriggerYamlOptions {
  name: string;
  uri: string;
  type?: string;
  broker?: string;
  namespace?: string;
  delivery?: string;
  annotations?: Record<string, string>;
}

export function triggerYaml(o: TriggerYamlOptions): string {
  const annotations = o.annotations
    ? `\n  annotations:\n${Object.entries(o.annotations)
        .map(([k, v]) => `    ${k}: "${v}"`)
        .join('\n')}`
    : '';
  return `---
apiVersion: eventyard.dev/v1
kind: Trigger
metadata:
  name: ${o.name}
  namespace: ${o.namespace ?? 'ns'}${annotations}
spec:
  broker: ${o.broker ?? 'default'}
${o.type ? `  filter: { attributes: { type: ${o.type} } }\n` : ''}  subscriber: { uri: "${o.uri}" }
${o.delivery ? `  delivery: ${o.delivery}\n` : ''}`;
}

let ids = 0;

/** An event as ingress stores it: TTL and arrival time stamped. */
export function makeEvent(type: string, extra: Record<string, string> = {}, data?: string): CloudEvent {
  return {
    attributes: {
      specversion: '1.0',
      id: `e-${++ids}`,
      source: '/test',
      type,
      knativebrokerttl: '255',
      knativearrivaltime: new Date().toISOString(),
      ...(data === undefined ? {} : { datacontenttype: 'application/json' }),
      ...extra,
    },
    data: data === undefined ? undefined : Buffer.from(data),
  };
}

export async function publish(log: EventLog, topic: string, ...events: CloudEvent[]): Promise<void> {
  await log.append(topic, events.map(toLogRecord));
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
  /** The CloudEvent as the dispatcher sent it (binary or structured). */
  event: CloudEvent;
}

export type Responder = (request: Received, res: ServerResponse, index: number) => void | Promise<void>;

export interface Subscriber {
  url: string;
  received: Received[];
  /** Resolves once `n` requests arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** A real HTTP subscriber on port 0; `respond` answers each request (default 200, empty). */
export async function startSubscriber(t: TestContext, respond?: Responder): Promise<Subscriber> {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    let event: CloudEvent;
    try {
      event = parseHttpRequest(req.headers, body).events[0]!;
    } catch {
      event = { attributes: {}, data: body };
    }
    const request: Received = { headers: req.headers, body, at: Date.now(), event };
    const index = received.push(request) - 1;
    for (const wake of waiters.splice(0)) wake();
    try {
      if (respond) await respond(request, res, index);
    } finally {
      if (!res.headersSent && !res.destroyed) res.writeHead(200);
      if (!res.writableEnded && !res.destroyed) res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  defer(t, close);
  return {
    url: `http://127.0.0.1:${port}/`,
    received,
    close,
    async waitFor(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${n} requests, got ${received.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received;
    },
  };
}

/** A port nothing listens on. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}

export async function startDispatcher(
  t: TestContext,
  log: EventLog,
  contract: Contract,
  options: Partial<DispatcherOptions> = {},
): Promise<{ dispatcher: Dispatcher; registry: Registry }> {
  const registry = options.registry ?? new Registry();
  const dispatcher = createDispatcher({ log, registry, random: () => 0.5, commitIntervalMs: 50, ...options });
  defer(t, () => dispatcher.stop());
  await dispatcher.applyContract(contract);
  return { dispatcher, registry };
}

export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every record of a topic (all partitions). */
export async function readAll(log: EventLog, topic: string): Promise<StoredRecord[]> {
  const partitions = (await log.partitions(topic)) ?? 0;
  const records: StoredRecord[] = [];
  for (let p = 0; p < partitions; p++) records.push(...(await log.read(topic, p, 0, 10_000)));
  return records;
}

export function eventsOf(records: StoredRecord[]): CloudEvent[] {
  return records.map((record) => fromLogRecord(record));
}

/** The value of one series of a metric (`series` e.g. `..._count` for a histogram), or undefined when absent. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
  series: string = name,
): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return undefined;
  const { values } = await metric.get();
  const found = values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? name) === series &&
      Object.entries(labels).every(
        ([k, value]) => String((v.labels as Record<string, unknown>)[k]) === value,
      ),
  );
  return found?.value;
}
