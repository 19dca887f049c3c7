import {
  type Contract,
  EventyardError,
  fromLogRecord,
  isEventyardError,
  type StoredRecord,
  toJsonFormat,
} from '@eventyard/core';
import {
  ATTEMPTS_EXTENSION,
  ERROR_CODE_EXTENSION,
  ERROR_DEST_EXTENSION,
  ERROR_EXTENSION,
  redriveDeadLetters,
  TRIGGER_EXTENSION,
} from '@eventyard/dispatcher';
import type { EventLog } from '@eventyard/log';
import type { FastifyInstance } from 'fastify';

/** The operator API lives under `/-/`, a prefix no Kubernetes namespace can take (DESIGN.md). */
export const OPERATOR_PREFIX = '/-/api/v1';

export interface TriggerStatusView {
  namespace: string;
  name: string;
  broker: string;
  ready: boolean;
  reason: string | undefined;
  message: string | undefined;
  subscriberUri: string | undefined;
}

export interface DeadLetterView {
  partition: number;
  offset: number;
  /** When the dead letter was written (epoch ms). */
  timestamp: number;
  trigger: string | undefined;
  attempts: number | undefined;
  code: number | undefined;
  destination: string | undefined;
  reason: string | undefined;
  /** The event in JSON format, or undefined when the record is not a CloudEvent. */
  event: Record<string, unknown> | undefined;
}

/**
 * Read-only views for operators and the CLI: trigger status and the dead letters of a broker.
 * They read the live Contract and the log, so they answer the same on the embedded log and Kafka.
 */
export function registerOperatorApi(
  root: FastifyInstance,
  options: { contract: () => Contract; log: EventLog },
): void {
  // Bodies reach the routes as bytes in every role, so a malformed one is answered with a coded
  // 400 here rather than by fastify's own JSON parser.
  root.register(async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    registerRoutes(app, options);
  });
}

function registerRoutes(app: FastifyInstance, options: { contract: () => Contract; log: EventLog }): void {
  app.get(`${OPERATOR_PREFIX}/triggers`, async () => {
    const triggers: TriggerStatusView[] = [];
    for (const t of options.contract().triggers.values()) {
      triggers.push({
        namespace: t.namespace,
        name: t.name,
        broker: t.broker,
        ready: t.status.ready,
        reason: t.status.reason,
        message: t.status.message,
        subscriberUri: t.subscriberUri,
      });
    }
    return { generation: options.contract().generation, triggers };
  });

  app.get<{ Params: { namespace: string; broker: string }; Querystring: { limit?: string } }>(
    `${OPERATOR_PREFIX}/namespaces/:namespace/brokers/:broker/deadletters`,
    async (request, reply) => {
      const { namespace, broker } = request.params;
      const entry = options.contract().brokers.get(`${namespace}/${broker}`);
      if (!entry) {
        return reply.code(404).send({
          code: 'EY_BROKER_NOT_FOUND',
          message: `broker "${broker}" not found in namespace "${namespace}"`,
        });
      }
      const limit = Math.min(Math.max(Number(request.query.limit ?? 100) || 100, 1), 10000);
      const partitions = (await options.log.partitions(entry.deadLetterTopic)) ?? 0;
      const records: StoredRecord[] = [];
      for (let partition = 0; partition < partitions; partition++) {
        const starts = await options.log.startOffsets(entry.deadLetterTopic);
        records.push(
          ...(await options.log.read(entry.deadLetterTopic, partition, starts[partition] ?? 0, limit)),
        );
      }
      records.sort((a, b) => a.timestamp - b.timestamp);
      return {
        broker: entry.key,
        topic: entry.deadLetterTopic,
        deadLetters: records.slice(-limit).map(deadLetterView),
      };
    },
  );

  app.post<{ Params: { namespace: string; broker: string }; Body: unknown }>(
    `${OPERATOR_PREFIX}/namespaces/:namespace/brokers/:broker/deadletters/redrive`,
    async (request, reply) => {
      const { namespace, broker } = request.params;
      const contract = options.contract();
      const entry = contract.brokers.get(`${namespace}/${broker}`);
      if (!entry) {
        return reply.code(404).send({
          code: 'EY_BROKER_NOT_FOUND',
          message: `broker "${broker}" not found in namespace "${namespace}"`,
        });
      }
      let body: RedriveBody;
      try {
        body = parseRedriveBody(request.body);
      } catch (error) {
        if (!isEventyardError(error)) throw error;
        return reply.code(400).send(error.toJSON());
      }
      const { trigger, again } = body;
      const asked = trigger === undefined ? undefined : contract.triggers.get(trigger);
      if (
        trigger !== undefined &&
        (asked === undefined || asked.namespace !== entry.namespace || asked.broker !== entry.name)
      ) {
        return reply.code(404).send({
          code: 'EY_TRIGGER_NOT_FOUND',
          message: `trigger "${trigger}" not found on broker "${entry.key}"`,
          details: { field: 'trigger' },
        });
      }
      const triggers: string[] = [];
      for (const [key, t] of contract.triggers) {
        if (t.namespace === entry.namespace && t.broker === entry.name) triggers.push(key);
      }
      const result = await redriveDeadLetters(options.log, entry, {
        ...(trigger === undefined ? { triggers } : { trigger }),
        again,
      });
      return { broker: entry.key, ...(trigger === undefined ? {} : { trigger }), again, ...result };
    },
  );
}

interface RedriveBody {
  trigger: string | undefined;
  again: boolean;
}

function invalidRequest(message: string, field?: string): EventyardError {
  return new EventyardError('EY_INVALID_REQUEST', message, {
    status: 400,
    ...(field === undefined ? {} : { details: { field } }),
  });
}

/**
 * The redrive body: empty, or a JSON object `{ "trigger": "namespace/name", "again": true }`, both
 * members optional. It arrives as bytes where the ingress takes every media type raw, and parsed
 * where fastify's JSON parser runs (dispatcher role). Anything else is refused naming the member,
 * never read as "redrive every trigger".
 */
function parseRedriveBody(body: unknown): RedriveBody {
  let parsed: unknown = body;
  if (body instanceof Uint8Array) {
    const text = Buffer.from(body).toString('utf8');
    if (text.trim() === '') return { trigger: undefined, again: false };
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw invalidRequest(`the request body is not valid JSON: ${(error as Error).message}`);
    }
  } else if (body === undefined) {
    return { trigger: undefined, again: false };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed;
    throw invalidRequest(
      `the request body must be a JSON object such as {"trigger":"namespace/name"}, got ${kind}`,
    );
  }
  for (const name of Object.keys(parsed)) {
    if (name !== 'trigger' && name !== 'again') {
      throw invalidRequest(`unknown member "${name}": the body takes "trigger" and "again"`, name);
    }
  }
  const { trigger, again } = parsed as { trigger?: unknown; again?: unknown };
  if (trigger !== undefined && (typeof trigger !== 'string' || !/^[^/]+\/[^/]+$/.test(trigger))) {
    throw invalidRequest(
      `"trigger" must be a string "namespace/name", got ${JSON.stringify(trigger)}`,
      'trigger',
    );
  }
  if (again !== undefined && typeof again !== 'boolean') {
    throw invalidRequest(`"again" must be true or false, got ${JSON.stringify(again)}`, 'again');
  }
  return { trigger: trigger as string | undefined, again: again === true };
}

function deadLetterView(record: StoredRecord): DeadLetterView {
  let event: Record<string, unknown> | undefined;
  let attributes: Record<string, string> = {};
  try {
    const decoded = fromLogRecord(record);
    attributes = decoded.attributes;
    event = toJsonFormat(decoded);
  } catch {
    // A record that is not a CloudEvent was set aside as it came; its headers still say why.
    attributes = record.headers;
  }
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  return {
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    trigger: attributes[TRIGGER_EXTENSION],
    attempts: number(attributes[ATTEMPTS_EXTENSION]),
    code: number(attributes[ERROR_CODE_EXTENSION]),
    destination: attributes[ERROR_DEST_EXTENSION],
    reason: attributes[ERROR_EXTENSION] ?? record.headers.eyr_error,
    event,
  };
}
