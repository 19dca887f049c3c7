import { randomUUID } from 'node:crypto';
import { type CloudEvent, EventyardError, isEventyardError } from '@eventyard/core';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import type { Registry } from 'prom-client';
import { createSourceMetrics } from '../metrics.ts';
import { registerSourceOpsRoutes } from '../ops.ts';
import { createPublisher } from '../sink/publisher.ts';
import type { Publisher, PublisherIo, PublishResult, WebhookSourceConfig } from '../types.ts';
import { DedupWindow } from './dedup.ts';
import { mapWebhook } from './mapping.ts';
import { webhookRequest } from './request.ts';
import { verifySignature } from './signature.ts';

export const DEFAULT_WEBHOOK_MAX_BODY = 1024 * 1024;

export interface WebhookAppOptions {
  sources: readonly WebhookSourceConfig[];
  registry: Registry;
  logger?: FastifyBaseLogger;
  maxBodyBytes?: number;
  /** Injected I/O: the sink client, clock, randomness, and the id generator for unmapped ids. */
  io?: PublisherIo & { newId?: () => string };
}

export interface WebhookApp {
  /** The fastify app: the caller listens (app factories never do). */
  readonly app: FastifyInstance;
  /** Stops accepting, cancels retries still waiting, and waits for requests in flight. */
  close(): Promise<void>;
}

interface Route {
  config: WebhookSourceConfig;
  label: string;
  publisher: Publisher;
  dedup: DedupWindow;
  /** Publishes in flight by dedup key, so a retried webhook waits for the first try's outcome. */
  inflight: Map<string, Promise<PublishResult>>;
}

function errorBody(error: EventyardError): Record<string, unknown> {
  return error.details
    ? { code: error.code, message: error.message, details: error.details }
    : { code: error.code, message: error.message };
}

/**
 * The webhook source as a fastify app: each WebhookSource's `spec.path` takes plain webhooks
 * (JSON, forms, text), optionally checks their HMAC signature, maps them to a CloudEvent with the
 * compiled CEL mapping, drops duplicates of an id already accepted, and POSTs the event to the
 * sink with retries. The sender hears 202 only once the broker accepted the event; a broker
 * rejection comes back with the broker's status and message; a broker that stays unavailable
 * answers 503, so the sender's own retry takes over.
 */
export function createWebhookApp(options: WebhookAppOptions): WebhookApp {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_WEBHOOK_MAX_BODY;
  const io = options.io ?? {};
  const now = io.now ?? Date.now;
  const newId = io.newId ?? randomUUID;
  const metrics = createSourceMetrics(options.registry);
  const closing = new AbortController();

  const app = Fastify({
    bodyLimit: maxBodyBytes,
    ...(options.logger ? { loggerInstance: options.logger } : {}),
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  // Signatures are computed over the exact bytes sent, so every body arrives raw.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, _request, reply) => {
    const coded = isEventyardError(error)
      ? error
      : error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? new EventyardError(
            'EY_BODY_TOO_LARGE',
            `request body is larger than the limit of ${maxBodyBytes} bytes`,
            {
              status: 413,
            },
          )
        : new EventyardError('EY_INTERNAL', error.message, {
            status: error.statusCode && error.statusCode < 500 ? error.statusCode : 500,
          });
    if ((coded.status ?? 500) >= 500) app.log.error({ err: error }, 'webhook request failed');
    return reply.code(coded.status ?? 500).send(errorBody(coded));
  });
  registerSourceOpsRoutes(app, options.registry);

  const routes = new Map<string, Route>();
  for (const config of options.sources) {
    const label = `${config.namespace}/${config.name}`;
    routes.set(config.path, {
      config,
      label,
      dedup: new DedupWindow(config.dedupWindowMs, config.dedupMaxEntries, now),
      inflight: new Map(),
      publisher: createPublisher(config.sink, config.delivery, {
        ...io,
        onAttempt: (code) => {
          metrics.sinkAttempts.inc({ kind: 'webhook', source: label, code: String(code) });
          io.onAttempt?.(code);
        },
      }),
    });
  }

  const answer = (reply: FastifyReply, route: Route, status: number, body: unknown, outcome: string) => {
    metrics.requests.inc({ source: route.label, code: status });
    metrics.events.inc({ kind: 'webhook', source: route.label, outcome });
    return reply.code(status).send(body);
  };

  const publishOnce = async (route: Route, key: string, event: CloudEvent): Promise<PublishResult> => {
    const pending = route.inflight.get(key);
    if (pending) return pending;
    const started = performance.now();
    const publishing = route.publisher.publish(event, closing.signal);
    route.inflight.set(key, publishing);
    try {
      const result = await publishing;
      if (result.ok) {
        route.dedup.add(key);
        metrics.dedupEntries.set({ source: route.label }, route.dedup.size);
      }
      return result;
    } finally {
      route.inflight.delete(key);
      metrics.publishDuration.observe(
        { kind: 'webhook', source: route.label },
        (performance.now() - started) / 1000,
      );
    }
  };

  for (const route of routes.values()) {
    app.post(route.config.path, async (request, reply) => {
      const raw = request.body instanceof Uint8Array ? request.body : new Uint8Array(0);
      const { config } = route;
      let event: CloudEvent;
      try {
        if (config.signature)
          verifySignature(config.signature, request.headers[config.signature.header], raw);
        event = mapWebhook(
          config,
          webhookRequest(request.method, request.url, request.headers, raw),
          raw,
          now(),
          newId,
        );
      } catch (error) {
        if (!isEventyardError(error)) throw error;
        const outcome = error.code === 'EY_SIGNATURE_INVALID' ? 'unauthorized' : 'unmappable';
        request.log.info({ source: route.label, code: error.code, reason: error.message }, 'webhook refused');
        return answer(reply, route, error.status ?? 400, errorBody(error), outcome);
      }
      const { id, source, type } = event.attributes as { id: string; source: string; type: string };
      const key = `${source}\n${id}`;
      if (route.dedup.has(key)) {
        return answer(reply, route, 200, { status: 'duplicate', id, source, type }, 'duplicate');
      }
      const wasInFlight = route.inflight.has(key);
      const result = await publishOnce(route, key, event);
      if (result.ok) {
        return wasInFlight
          ? answer(reply, route, 200, { status: 'duplicate', id, source, type }, 'duplicate')
          : answer(reply, route, 202, { status: 'accepted', id, source, type }, 'accepted');
      }
      const details = {
        sink: config.sink,
        id,
        type,
        attempts: result.attempts,
        sinkStatus: result.status,
        sinkCode: result.code,
      };
      if (!result.retriable && result.status !== undefined && result.status < 500) {
        request.log.warn(
          { source: route.label, ...details, reason: result.message },
          'broker rejected the event',
        );
        return answer(
          reply,
          route,
          result.status,
          {
            code: 'EY_SINK_REJECTED',
            message: `the broker rejected the event with ${result.status}${result.code ? ` ${result.code}` : ''}: ${result.message}`,
            details,
          },
          'rejected',
        );
      }
      request.log.warn({ source: route.label, ...details, reason: result.message }, 'broker unavailable');
      if (result.retryAfterSeconds !== undefined)
        reply.header('retry-after', String(result.retryAfterSeconds));
      return answer(
        reply,
        route,
        503,
        {
          code: 'EY_DELIVERY_FAILED',
          message: `the broker did not accept the event after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}: ${
            result.status === undefined ? result.message : `${result.status} ${result.message}`
          }; retry later`,
          details,
        },
        'failed',
      );
    });
  }

  // A GET (or other method) on a webhook path is a wiring mistake worth naming, not a bare 404.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (routes.has(path)) {
      return reply
        .code(405)
        .header('allow', 'POST')
        .send({
          code: 'EY_METHOD_NOT_ALLOWED',
          message: `${request.method} is not allowed on ${path}; webhooks are POSTed`,
        });
    }
    return reply.code(404).send({
      code: 'EY_NOT_FOUND',
      message: `no webhook source at ${path}; sources listen on ${[...routes.keys()].join(', ')}`,
    });
  });

  return {
    app,
    async close() {
      closing.abort();
      await app.close();
    },
  };
}
