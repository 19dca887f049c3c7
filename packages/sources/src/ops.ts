import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Registry } from 'prom-client';

/** `/healthz` and `/readyz` (the process answers) and `/metrics` (Prometheus text format). */
export function registerSourceOpsRoutes(app: FastifyInstance, registry: Registry): void {
  app.get('/healthz', async (_request, reply) => reply.code(200).send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => reply.code(200).send({ status: 'ready' }));
  app.get('/metrics', async (_request, reply) => {
    const body = await registry.metrics();
    return reply.code(200).header('content-type', registry.contentType).send(body);
  });
}

/** An app with only the ops routes, for sources that receive nothing (ping). Never listens by itself. */
export function createOpsApp(registry: Registry, logger?: FastifyBaseLogger): FastifyInstance {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : {}),
    logController: new LogController({ disableRequestLogging: true }),
  });
  registerSourceOpsRoutes(app, registry);
  return app;
}
