import { STATUS_CODES } from 'node:http';
import {
  type CloudEvent,
  type Contract,
  EventyardError,
  hopsLeft,
  isEventyardError,
  type LogRecord,
  MAX_TTL,
  parseHttpRequest,
  TTL_ATTRIBUTE,
  toLogRecord,
} from '@eventyard/core';
import { AppendCoalescer } from '@eventyard/log';
import Fastify, { type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { type ErrorBody, errorBody, fromFastifyError } from './errors.ts';
import { type BrokerMetrics, createIngressMetrics } from './metrics.ts';
import { registerOpsRoutes } from './ops-routes.ts';
import type { BrokerRoute, IngressOptions } from './types.ts';

/** Knative's loop guard (pkg/broker/ttl.go): events enter with 255 hops, each reply costs one. */
const DEFAULT_TTL = String(MAX_TTL);
const ARRIVAL_ATTRIBUTE = 'knativearrivaltime';
const ALLOW = 'POST, OPTIONS';
const DEFAULT_MAX_BODY = 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Node checks request deadlines on this period at most: a late request is answered within it. */
const MAX_TIMEOUT_CHECK_MS = 1000;
const EMPTY = new Uint8Array(0);

/** A broker's route with the metrics its accepted events are counted in. */
interface Route extends BrokerRoute {
  readonly metrics: BrokerMetrics;
}

/** A POST whose records are on their way to the log. */
interface Accepting {
  readonly reply: FastifyReply;
  readonly route: Route;
  readonly events: CloudEvent[];
  /** `performance.now()` when the handler started. */
  readonly started: number;
}

export interface Ingress {
  readonly app: FastifyInstance;
  /**
   * Routes brokers of a new Contract. Topics of new brokers are created before they are routed, so
   * a broker answers 404 until its topic exists and never 202 for an event with nowhere to go.
   */
  applyContract(contract: Contract): Promise<void>;
  /** True once a Contract has been applied. */
  hasContract(): boolean;
}

/**
 * The broker ingress as a fastify app (it never listens by itself): `POST /<namespace>/<broker>`
 * accepts CloudEvents in binary, structured or batched mode and answers 202 only after the log
 * acknowledged the append (DESIGN.md "Data-plane rules").
 */
export function createIngress(options: IngressOptions): Ingress {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const now = options.now ?? Date.now;
  const metrics = createIngressMetrics(
    options.registry,
    options.metricEventTypes === undefined ? {} : { maxEventTypes: options.metricEventTypes },
  );
  // knativearrivaltime has millisecond precision: requests within one millisecond share the string.
  let arrivalMs = Number.NaN;
  let arrival = '';
  const arrivalTime = (): string => {
    const ms = now();
    if (ms !== arrivalMs) {
      arrivalMs = ms;
      arrival = new Date(ms).toISOString();
    }
    return arrival;
  };
  const coalescer = new AppendCoalescer(options.log);
  /** Namespace → broker name → route: looked up without building a key per request. */
  let routes = new Map<string, Map<string, Route>>();
  let applied = false;

  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = Fastify({
    bodyLimit: maxBodyBytes,
    // Node measures the whole request (headers and body) against requestTimeout, per request, so
    // slow-but-steady clients are served while one trickling a byte a second is cut off; its
    // deadline check runs every connectionsCheckingInterval (30 s by default, too coarse here).
    requestTimeout: requestTimeoutMs,
    http: {
      headersTimeout: Math.min(60_000, requestTimeoutMs),
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(MAX_TIMEOUT_CHECK_MS, Math.floor(requestTimeoutMs / 4)),
      ),
    },
    clientErrorHandler: (error: Error & { code?: string }, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      let status = 400;
      let body: ErrorBody;
      if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        status = 408;
        metrics.requestTimeouts.inc();
        body = errorBody(
          new EventyardError(
            'EY_REQUEST_TIMEOUT',
            `the request (headers and body) was not received within ${requestTimeoutMs} ms (--request-timeout)`,
            { status, details: { limitMs: requestTimeoutMs } },
          ),
        );
      } else if (error.code === 'HPE_HEADER_OVERFLOW') {
        status = 431;
        body = {
          code: 'EY_INVALID_EVENT',
          message: 'the request headers are larger than the server accepts',
        };
      } else {
        body = { code: 'EY_INVALID_EVENT', message: 'the request is not valid HTTP/1.1' };
      }
      if (socket.writable) {
        const text = JSON.stringify(body);
        socket.write(
          `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
            `Content-Type: application/json\r\nConnection: close\r\n\r\n${text}`,
        );
      }
      socket.destroy();
    },
    ...(options.logger ? { loggerInstance: options.logger } : {}),
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });

  // Every media type reaches the handler as raw bytes: the CloudEvents binding decides what it means.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error, request, reply) => {
    const coded = isEventyardError(error)
      ? error
      : fromFastifyError(error as Error & { code?: string }, maxBodyBytes, request.headers['content-type']);
    if ((coded.status ?? 500) >= 500) app.log.error({ err: error }, 'request failed');
    // Refusals fastify raises before the handler (body limit, content type) count like the handler's.
    const params = request.params as { namespace?: string; broker?: string } | undefined;
    const route =
      params?.namespace === undefined ? undefined : routes.get(params.namespace)?.get(params.broker ?? '');
    route?.metrics.answered('', coded.status ?? 500);
    return reply.code(coded.status ?? 500).send(errorBody(coded));
  });

  registerOpsRoutes(app, {
    registry: options.registry,
    readinessChecks: {
      resources: () => applied && (options.ready ? options.ready() : true),
      log: () => options.log.writable(),
    },
  });

  const reject = (
    reply: FastifyReply,
    route: BrokerRoute | undefined,
    error: EventyardError,
    eventType = '',
  ): void => {
    const status = error.status ?? 500;
    metrics.count(route?.namespace ?? '', route?.name ?? '', eventType, status);
    reply.code(status).send(errorBody(error));
  };

  /** The end of a POST: answered once the log acknowledged (or refused) the request's records. */
  const appended = (error: unknown, request: Accepting): void => {
    const { reply, route, events } = request;
    if (error !== undefined) {
      const unavailable = new EventyardError(
        'EY_LOG_UNAVAILABLE',
        'the event log could not persist the event; retry later',
        {
          status: 503,
          retriable: true,
          cause: error,
        },
      );
      reply.log.warn({ err: error, topic: route.topic }, 'append failed');
      reply.header('retry-after', '1');
      reject(reply, route, unavailable, events[0]?.attributes.type ?? '');
      return;
    }
    const brokerMetrics = route.metrics;
    for (let i = 0; i < events.length; i++) brokerMetrics.accepted(events[i]!.attributes.type ?? '');
    brokerMetrics.observeAccepted((performance.now() - request.started) / 1000);
    reply.code(202).send();
  };

  // Not an async handler: the answer is sent from the coalescer's callback, so a request costs no
  // promise of its own (fastify waits for `reply.send` when a handler returns undefined).
  app.post<{ Params: { namespace: string; broker: string } }>('/:namespace/:broker', (request, reply) => {
    const started = performance.now();
    const { namespace, broker } = request.params;
    const route = routes.get(namespace)?.get(broker);
    if (route === undefined) {
      const error = new EventyardError(
        'EY_BROKER_NOT_FOUND',
        `broker "${broker}" not found in namespace "${namespace}"`,
        {
          status: 404,
          details: { namespace, broker },
        },
      );
      reject(reply, undefined, error);
      return;
    }
    const body = request.body instanceof Uint8Array ? request.body : EMPTY;
    let events: CloudEvent[];
    try {
      events = parseHttpRequest(request.headers, body, request.raw.rawHeaders).events;
      stampArrival(events, arrivalTime());
    } catch (error) {
      if (isEventyardError(error)) {
        reject(reply, route, error);
        return;
      }
      throw error;
    }

    const records: LogRecord[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) records[i] = toLogRecord(events[i]!);
    coalescer.write(route.topic, records, appended, { reply, route, events, started });
  });

  // CloudEvents "HTTP 1.1 Web Hooks for Event Delivery" §4 (abuse protection): a validation request
  // is answered with the origin allowed, as Knative's receivers do.
  app.options('/:namespace/:broker', async (request, reply) => {
    reply.header('allow', ALLOW);
    const origin = request.headers['webhook-request-origin'];
    if (typeof origin === 'string') {
      reply.header('webhook-allowed-origin', origin);
      reply.header('webhook-allowed-rate', '*');
    }
    return reply.code(200).send();
  });

  app.route({
    method: ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH'],
    url: '/:namespace/:broker',
    handler: async (request, reply) => {
      reply.header('allow', ALLOW);
      return reply.code(405).send({
        code: 'EY_METHOD_NOT_ALLOWED',
        message: `method ${request.method} is not allowed; send events with POST`,
      });
    },
  });

  return {
    app,
    hasContract: () => applied,
    async applyContract(contract: Contract) {
      const next = new Map<string, Map<string, Route>>();
      for (const entry of contract.brokers.values()) {
        if (routes.get(entry.namespace)?.get(entry.name)?.topic !== entry.topic) {
          await options.log.ensureTopic({
            name: entry.topic,
            partitions: entry.partitions,
            ...(entry.replicationFactor === undefined ? {} : { replicationFactor: entry.replicationFactor }),
          });
        }
        let names = next.get(entry.namespace);
        if (names === undefined) {
          names = new Map();
          next.set(entry.namespace, names);
        }
        names.set(entry.name, {
          namespace: entry.namespace,
          name: entry.name,
          topic: entry.topic,
          metrics: metrics.forBroker(entry.namespace, entry.name),
        });
      }
      routes = next;
      applied = true;
    },
  };
}

/**
 * Adds `knativearrivaltime` and the TTL the broker starts every event with. A TTL that is not an
 * integer in range is reset to the default, as Knative's `TTLDefaulter` does, so no value can
 * carry an event around a reply loop for longer; an event whose TTL is spent is a reply loop and
 * is refused (Knative drops it).
 */
function stampArrival(events: CloudEvent[], arrival: string): void {
  for (let i = 0; i < events.length; i++) {
    const attributes = events[i]!.attributes;
    const ttl = attributes[TTL_ATTRIBUTE];
    if (ttl === undefined) {
      attributes[TTL_ATTRIBUTE] = DEFAULT_TTL;
    } else {
      const hops = hopsLeft(ttl);
      if (hops <= 0) {
        throw new EventyardError(
          'EY_TTL_EXHAUSTED',
          `attribute "${TTL_ATTRIBUTE}" is ${JSON.stringify(ttl)}: the event has been through too many replies (loop guard)`,
          { status: 400, details: { attribute: TTL_ATTRIBUTE, ...(events.length > 1 ? { index: i } : {}) } },
        );
      }
      if (hops === MAX_TTL) attributes[TTL_ATTRIBUTE] = DEFAULT_TTL;
      else if (String(hops) !== ttl) attributes[TTL_ATTRIBUTE] = String(hops);
    }
    attributes[ARRIVAL_ATTRIBUTE] = arrival;
  }
}
