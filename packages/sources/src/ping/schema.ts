import type { JsonSchema } from '@eventyard/core';
import { KNATIVE_SOURCES_API_VERSION, SOURCES_API_VERSION } from '../types.ts';
import { objectMeta, stringMap } from '../validation.ts';

/** Knative's PingSource (sources.knative.dev/v1), accepted unchanged, and the same under our group. */
export const pingSourceSchema: JsonSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string', enum: [KNATIVE_SOURCES_API_VERSION, SOURCES_API_VERSION] },
    kind: { type: 'string', enum: ['PingSource'] },
    metadata: objectMeta,
    spec: {
      type: 'object',
      required: ['sink'],
      properties: {
        schedule: { type: 'string', minLength: 1 },
        timezone: { type: 'string', minLength: 1 },
        contentType: { type: 'string' },
        data: { type: 'string' },
        dataBase64: { type: 'string' },
        sink: {
          type: 'object',
          properties: {
            uri: { type: 'string' },
            ref: {
              type: 'object',
              required: ['kind', 'name'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                name: { type: 'string' },
                namespace: { type: 'string' },
              },
              additionalProperties: false,
            },
            CACerts: { type: 'string' },
            audience: { type: 'string' },
          },
          additionalProperties: false,
        },
        ceOverrides: {
          type: 'object',
          properties: { extensions: stringMap },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    status: { type: 'object' },
  },
  additionalProperties: false,
};
