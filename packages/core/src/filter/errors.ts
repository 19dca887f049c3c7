import { EventyardError } from '../errors.ts';

/** Where a CEL problem sits in its expression: 1-based line and column, 0-based offset. */
export interface SourcePosition {
  line: number;
  column: number;
  offset: number;
}

/**
 * A filter that can never be compiled. `path` is a JSON pointer into the Trigger
 * (`/spec/filters/1/cel`), so a status condition or `eventyard validate` can name the field.
 */
export function invalidFilter(message: string, path: string, position?: SourcePosition): EventyardError {
  return new EventyardError('EY_INVALID_FILTER', message, {
    status: 400,
    details: position === undefined ? { path } : { path, position },
  });
}

/** Line and column of `offset` in `source`, counting lines from 1 and columns (UTF-16 units) from 1. */
export function positionAt(source: string, offset: number): SourcePosition {
  const clamped = Math.max(0, Math.min(offset, source.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: clamped - lineStart + 1, offset: clamped };
}
