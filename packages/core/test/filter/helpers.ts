import assert from 'node:assert/strict';
import { isEventyardError } from '../../src/errors.ts';
import { compileTriggerFilter } from '../../src/filter/compile.ts';
import { createFilterInput } from '../../src/filter/input.ts';
import type { FilterInput, FilterResult } from '../../src/filter/types.ts';
import type { SubscriptionsApiFilter, TriggerSpec } from '../../src/resources/types.ts';
import type { CloudEvent } from '../../src/types.ts';

/** A valid event with the given attributes on top of the required ones. */
export function event(attributes: Record<string, string> = {}, data?: unknown): CloudEvent {
  return {
    attributes: {
      specversion: '1.0',
      id: 'evt-1',
      source: '/crm/webhooks',
      type: 'com.example.lead.created',
      ...attributes,
    },
    data:
      data === undefined
        ? undefined
        : new TextEncoder().encode(typeof data === 'string' ? data : JSON.stringify(data)),
  };
}

export function input(attributes: Record<string, string> = {}, data?: unknown): FilterInput {
  return createFilterInput(event(attributes, data));
}

/** Evaluate `filters` (the new dialects) against one event. */
export function evalFilters(filters: SubscriptionsApiFilter[], at: FilterInput): FilterResult {
  return compileTriggerFilter({ filters }).evaluate(at);
}

/** Evaluate one CEL expression against one event. */
export function evalCel(expression: string, at: FilterInput): FilterResult {
  return evalFilters([{ cel: expression }], at);
}

/** Assert that compiling `spec` fails with EY_INVALID_FILTER at `path`, message matching `message`. */
export function assertInvalid(
  spec: Pick<TriggerSpec, 'filter' | 'filters'>,
  path: string,
  message: RegExp,
): Record<string, unknown> {
  let caught: unknown;
  try {
    compileTriggerFilter(spec);
  } catch (error) {
    caught = error;
  }
  assert.ok(
    isEventyardError(caught, 'EY_INVALID_FILTER'),
    `expected EY_INVALID_FILTER, got ${String(caught)}`,
  );
  assert.equal(caught.details?.path, path);
  assert.match(caught.message, message);
  return caught.details ?? {};
}
