// Public API of @eventyard/sources: event sources that POST CloudEvents to a broker over HTTP.
export { formatSourceProblem, readSourceDocuments, type SourceDocument } from './load.ts';
export { createSourceMetrics, type SourceMetrics } from './metrics.ts';
export { createOpsApp, registerSourceOpsRoutes } from './ops.ts';
export {
  compilePingSource,
  DEFAULT_SCHEDULE,
  loadPingSources,
  type PingFlags,
  pingSourceFromFlags,
} from './ping/config.ts';
export {
  PING_EVENT_TYPE,
  type PingSources,
  type PingSourcesOptions,
  pingEventSource,
  startPingSources,
} from './ping/ping-source.ts';
export { PING_DELIVERY, resolveSinkDelivery, WEBHOOK_DELIVERY } from './sink/delivery.ts';
export { createPublisher } from './sink/publisher.ts';
export type * from './types.ts';
export { KNATIVE_SOURCES_API_VERSION, SOURCES_API_VERSION } from './types.ts';
export type { FieldProblem } from './validation.ts';
export {
  createWebhookApp,
  DEFAULT_WEBHOOK_MAX_BODY,
  type WebhookApp,
  type WebhookAppOptions,
} from './webhook/app.ts';
export { compileWebhookSource, loadWebhookSources } from './webhook/config.ts';
export { DedupWindow } from './webhook/dedup.ts';
export { mapWebhook } from './webhook/mapping.ts';
export { parseWebhookBody, webhookRequest } from './webhook/request.ts';
export { verifySignature } from './webhook/signature.ts';
