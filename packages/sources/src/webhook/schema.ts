import type { JsonSchema } from '@eventyard/core';
import { SOURCES_API_VERSION } from '../types.ts';
import { duration, objectMeta, sinkDelivery } from '../validation.ts';

const expression: JsonSchema = { type: 'string', minLength: 1 };

/** `WebhookSource` (sources.eventyard.dev/v1). Unknown fields are errors, as for Brokers and Triggers. */
export const webhookSourceSchema: JsonSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string', enum: [SOURCES_API_VERSION] },
    kind: { type: 'string', enum: ['WebhookSource'] },
    metadata: objectMeta,
    spec: {
      type: 'object',
      required: ['sink', 'mapping'],
      properties: {
        sink: {
          type: 'object',
          required: ['uri'],
          properties: { uri: { type: 'string' } },
          additionalProperties: false,
        },
        path: { type: 'string' },
        mapping: {
          type: 'object',
          required: ['type'],
          properties: {
            type: expression,
            source: expression,
            id: expression,
            subject: expression,
            time: expression,
            dataschema: expression,
            extensions: { type: 'object', additionalProperties: expression },
            data: expression,
          },
          additionalProperties: false,
        },
        signature: {
          type: 'object',
          required: ['header'],
          properties: {
            secret: { type: 'string', minLength: 1 },
            secretEnv: { type: 'string', minLength: 1 },
            secretFile: { type: 'string', minLength: 1 },
            header: { type: 'string', minLength: 1 },
            algorithm: { type: 'string', enum: ['sha1', 'sha256', 'sha384', 'sha512'] },
            prefix: { type: 'string' },
            encoding: { type: 'string', enum: ['hex', 'base64'] },
          },
          additionalProperties: false,
        },
        dedup: {
          type: 'object',
          properties: { window: duration, maxEntries: { type: 'integer', minimum: 1 } },
          additionalProperties: false,
        },
        delivery: sinkDelivery,
      },
      additionalProperties: false,
    },
    status: { type: 'object' },
  },
  additionalProperties: false,
};
