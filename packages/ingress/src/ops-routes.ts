import type { FastifyInstance } from 'fastify';
import type { OpsRouteOptions } from './types.ts';

/**
 * `/healthz` (the process answers), `/readyz` (every readiness check passes) and `/metrics`
 * (Prometheus text format). Shared by every role, so a dispatcher-only process is probed the same way.
 */
export function registerOpsRoutes(app: FastifyInstance, options: OpsRouteOptions): void {
  const checks = Object.entries(options.readinessChecks);

  app.get('/healthz', async (_request, reply) => reply.code(200).send({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const failing: string[] = [];
    for (const [name, check] of checks) {
      let ok = false;
      try {
        ok = await check();
      } catch {
        ok = false;
      }
      if (!ok) failing.push(name);
    }
    if (failing.length > 0) return reply.code(503).send({ status: 'not ready', failing });
    return reply.code(200).send({ status: 'ready' });
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await options.registry.metrics();
    return reply.code(200).header('content-type', options.registry.contentType).send(body);
  });
}
