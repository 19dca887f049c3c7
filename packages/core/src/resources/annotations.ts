import type { FieldProblem } from './validate.ts';

/** How many deliveries of one trigger may be in flight at once. */
export const MAX_IN_FLIGHT_ANNOTATION = 'eventyard.dev/max-in-flight';
/** `ordered` keeps order per partition key; `unordered` (the default) does not. */
export const DELIVERY_ORDER_ANNOTATION = 'eventyard.dev/delivery-order';
export const DEFAULT_MAX_IN_FLIGHT = 100;

export interface TriggerAnnotations {
  maxInFlight: number;
  ordered: boolean;
  /** Annotations with a value we cannot use; the defaults stand in for them. */
  problems: FieldProblem[];
}

const POSITIVE_INTEGER = /^[1-9][0-9]*$/;

function annotationPath(name: string): string {
  return `/metadata/annotations/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/** Reads the eventyard.dev trigger annotations, with their defaults. */
export function readTriggerAnnotations(annotations: Record<string, string> | undefined): TriggerAnnotations {
  const result: TriggerAnnotations = { maxInFlight: DEFAULT_MAX_IN_FLIGHT, ordered: false, problems: [] };
  const maxInFlight = annotations?.[MAX_IN_FLIGHT_ANNOTATION];
  if (maxInFlight !== undefined) {
    const value = Number(maxInFlight);
    if (POSITIVE_INTEGER.test(maxInFlight) && Number.isSafeInteger(value)) {
      result.maxInFlight = value;
    } else {
      result.problems.push({
        path: annotationPath(MAX_IN_FLIGHT_ANNOTATION),
        message: `must be a positive integer such as "100", not "${maxInFlight}"`,
      });
    }
  }
  const order = annotations?.[DELIVERY_ORDER_ANNOTATION];
  if (order === 'ordered') {
    result.ordered = true;
  } else if (order !== undefined && order !== 'unordered') {
    result.problems.push({
      path: annotationPath(DELIVERY_ORDER_ANNOTATION),
      message: `must be "ordered" or "unordered", not "${order}"`,
    });
  }
  return result;
}
