import assert from 'node:assert/strict';
import { type ErrorCode, isEventyardError } from '../../src/errors.ts';

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array | null | undefined): string | undefined =>
  bytes == null ? undefined : new TextDecoder().decode(bytes);

/** A minimal valid binary-mode header set. */
export function binaryHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'ce-specversion': '1.0',
    'ce-id': 'evt-1',
    'ce-source': '/crm/webhooks',
    'ce-type': 'com.example.lead.created',
    ...extra,
  };
}

/** A minimal valid JSON-format event. */
export function jsonEvent(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: 'evt-1',
    source: '/crm/webhooks',
    type: 'com.example.lead.created',
    ...extra,
  };
}

interface Expected {
  code?: ErrorCode;
  status?: number;
  attribute?: string;
  message?: RegExp;
  details?: Record<string, unknown>;
}

/** Assert `fn` throws an EventyardError with the given code (EY_INVALID_EVENT by default), status, attribute and message. */
export function assertRejects(fn: () => unknown, expected: Expected): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isEventyardError(error), `expected an EventyardError, got ${String(error)}`);
    assert.equal(error.code, expected.code ?? 'EY_INVALID_EVENT');
    assert.equal(error.status, expected.status ?? 400);
    if (expected.attribute !== undefined) assert.equal(error.details?.attribute, expected.attribute);
    if (expected.message !== undefined) assert.match(error.message, expected.message);
    if (expected.details !== undefined) {
      for (const [key, value] of Object.entries(expected.details))
        assert.deepEqual(error.details?.[key], value, key);
    }
    return true;
  });
}
