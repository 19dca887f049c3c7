export { createIngress, type Ingress } from './app.ts';
export type { ErrorBody } from './errors.ts';
export { type BrokerMetrics, createIngressMetrics, type IngressMetrics } from './metrics.ts';
export { registerOpsRoutes } from './ops-routes.ts';
export type * from './types.ts';
