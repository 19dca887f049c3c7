import { RE2JS } from 're2js';

/*
 * CEL's `matches` is specified with RE2 syntax and semantics (cel-spec langdef "Regular
 * expressions"), and RE2 matches in time linear in the input. A JavaScript RegExp backtracks, so a
 * pattern such as `(a|a)*b` in one tenant's trigger could stall the dispatcher for every broker.
 * We therefore run every `matches` on RE2JS, a linear-time port of RE2: semantics as in cel-go and
 * no catastrophic backtracking, whatever the pattern or the input.
 */

/** Longest pattern accepted; compiling is linear in the pattern, but bounded all the same. */
export const MAX_PATTERN_LENGTH = 1024;
/** Patterns computed at evaluation time are compiled once and kept in a small bounded cache. */
const DYNAMIC_CACHE_SIZE = 128;
/** Literal patterns stay compiled for the life of the process; bounded against config churn. */
const LITERAL_CACHE_SIZE = 4096;

const literalPatterns = new Map<string, RE2JS>();
const dynamicPatterns = new Map<string, RE2JS>();

/** Compile a pattern, throwing the RE2 syntax message (e.g. "missing closing ): `(a`"). */
export function compilePattern(pattern: string): RE2JS {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new Error(
      `regular expression is ${pattern.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`,
    );
  }
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(message.replace(/^error parsing regexp: /, ''));
  }
}

/** Compile a pattern written as a literal in an expression, once, when the trigger loads. */
export function registerLiteralPattern(pattern: string): void {
  if (literalPatterns.has(pattern)) return;
  const re = compilePattern(pattern);
  if (literalPatterns.size < LITERAL_CACHE_SIZE) literalPatterns.set(pattern, re);
}

/** Unanchored search, as CEL's `matches` (RE2 partial match). Throws on an invalid pattern. */
export function re2Matches(text: string, pattern: string): boolean {
  let re = literalPatterns.get(pattern) ?? dynamicPatterns.get(pattern);
  if (re === undefined) {
    re = compilePattern(pattern);
    if (dynamicPatterns.size >= DYNAMIC_CACHE_SIZE) dynamicPatterns.clear();
    dynamicPatterns.set(pattern, re);
  }
  return re.test(text);
}

/**
 * Where the method name of a `receiver.matches(...)` call starts in `source`, looking from the end
 * of the receiver (`from`) up to the end of the call (`end`): past blanks, `//` comments, `)` and
 * one `.`. -1 when it is not found. The CEL parser gives no position for the method name, and
 * `matches` calls are rewritten there to run on RE2.
 */
export function matchesMethodOffset(source: string, from: number, end: number): number {
  let i = from;
  let sawDot = false;
  while (i < end) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ')') i++;
    else if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '.' && !sawDot) {
      sawDot = true;
      i++;
    } else if (sawDot && source.startsWith('matches', i)) return i;
    else break;
  }
  return -1;
}
