import { type ASTNode, Environment, type ParseResult } from '@marcbachmann/cel-js';
import { EventyardError } from '../errors.ts';
import { CEL_LIMITS, MAX_EXPRESSION_LENGTH } from '../filter/cel.ts';
import { positionAt, type SourcePosition } from '../filter/errors.ts';
import { matchesMethodOffset, re2Matches, registerLiteralPattern } from '../filter/regex.ts';

/*
 * CEL over arbitrary variables, for configuration that computes values rather than filters events
 * (a webhook source maps a request's `body` and `headers` to CloudEvent attributes). The trigger
 * filter dialect (filter/cel.ts) keeps its own environment and guards; this shares its limits and
 * its RE2 `matches`, so an expression over untrusted input runs in time linear in that input's size.
 */

/** Longest expression accepted, as for trigger filters. */
export const MAX_CEL_EXPRESSION_LENGTH = MAX_EXPRESSION_LENGTH;

// The library's own `string.matches` backtracks and cannot be replaced, so compiled programs call
// this method instead. Same length as "matches", so offsets in error messages do not move.
const RE2_METHOD = 're2Find';

/** CEL type names a variable may be declared with (`dyn` for parsed JSON of any shape). */
export type CelVariableType = 'dyn' | 'map' | 'string' | 'int' | 'double' | 'bool' | 'list';

/** A compiled expression: evaluate it as often as needed with the declared variables. */
export interface CelProgram {
  readonly expression: string;
  /** The type the checker inferred (`string`, `dyn`, ...). */
  readonly type: string;
  /** Evaluates with `variables`; throws when evaluation fails (a missing key, a bad conversion). */
  evaluate(variables: Record<string, unknown>): unknown;
}

/** Compiles expressions over a fixed set of variables; build one per set and reuse it. */
export interface CelCompiler {
  compile(expression: string): CelProgram;
}

interface CelErrorLike {
  summary?: string;
  message: string;
  range?: { start: number; end: number };
}

/** The first line of a cel-js error, with our internal method name put back to `matches`. */
export function celErrorSummary(error: unknown): string {
  if (error instanceof Error) {
    const e = error as CelErrorLike;
    return (e.summary ?? e.message.split('\n')[0] ?? '').replaceAll(RE2_METHOD, 'matches');
  }
  return String(error);
}

function invalid(expression: string, summary: string, offset: number | undefined): EventyardError {
  if (offset === undefined) return new EventyardError('EY_INVALID_CONFIG', summary);
  const position: SourcePosition = positionAt(expression, offset);
  return new EventyardError(
    'EY_INVALID_CONFIG',
    `${summary} (line ${position.line}, column ${position.column})`,
    { details: { position } },
  );
}

/**
 * A compiler for expressions that may read exactly `variables` (name → CEL type). Building the
 * environment is the expensive part, so callers keep the compiler and compile each expression once.
 * `compile` throws EY_INVALID_CONFIG naming the line and column of a syntax or type error.
 */
export function createCelCompiler(variables: Readonly<Record<string, CelVariableType>>): CelCompiler {
  let environment = new Environment({
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: false,
    limits: CEL_LIMITS,
  })
    .registerFunction(`string.${RE2_METHOD}(string): bool`, (text: string, pattern: string) =>
      re2Matches(text, pattern),
    )
    .registerFunction('matches(string, string): bool', (text: string, pattern: string) =>
      re2Matches(text, pattern),
    );
  for (const [name, type] of Object.entries(variables))
    environment = environment.registerVariable(name, type);
  const env = environment;

  return {
    compile(expression: string): CelProgram {
      if (expression.length > MAX_CEL_EXPRESSION_LENGTH) {
        throw invalid(
          expression,
          `the expression is ${expression.length} characters long; the limit is ${MAX_CEL_EXPRESSION_LENGTH}`,
          undefined,
        );
      }
      let parsed: ParseResult;
      try {
        parsed = env.parse(expression);
      } catch (error) {
        throw invalid(expression, celErrorSummary(error), (error as CelErrorLike).range?.start);
      }
      const checked = parsed.check();
      if (!checked.valid) {
        throw invalid(expression, celErrorSummary(checked.error), checked.error?.range?.start);
      }
      const matchesAt: number[] = [];
      findMatches(expression, parsed.ast, matchesAt);
      let program = parsed;
      if (matchesAt.length > 0) {
        let source = expression;
        for (const offset of matchesAt) {
          source = source.slice(0, offset) + RE2_METHOD + source.slice(offset + RE2_METHOD.length);
        }
        program = env.parse(source);
      }
      return {
        expression,
        type: checked.type ?? 'dyn',
        evaluate: (activation) => program(activation),
      };
    },
  };
}

/**
 * Collects where each `receiver.matches(pattern)` method name starts, and compiles literal
 * patterns now so an invalid regular expression is a configuration error, not a runtime one.
 */
function findMatches(source: string, node: ASTNode, out: number[]): void {
  switch (node.op) {
    case 'value':
    case 'id':
      return;
    case '.':
    case '.?':
      findMatches(source, node.args[0], out);
      return;
    case 'call': {
      const [name, args] = node.args;
      if (name === 'matches' && args.length === 2) literalPattern(source, args[1] as ASTNode);
      for (const arg of args) findMatches(source, arg, out);
      return;
    }
    case 'rcall': {
      const [name, receiver, args] = node.args;
      if (name === 'matches' && args.length === 1) {
        literalPattern(source, args[0] as ASTNode);
        out.push(methodNameOffset(source, receiver.range.end, node));
      }
      findMatches(source, receiver, out);
      for (const arg of args) findMatches(source, arg, out);
      return;
    }
    case 'map':
      for (const [key, value] of node.args) {
        findMatches(source, key, out);
        findMatches(source, value, out);
      }
      return;
    case '!_':
    case '-_':
      findMatches(source, node.args, out);
      return;
    default:
      for (const child of node.args as ASTNode[]) findMatches(source, child, out);
  }
}

function literalPattern(source: string, node: ASTNode): void {
  if (node.op !== 'value' || typeof node.args !== 'string') return;
  try {
    registerLiteralPattern(node.args);
  } catch (error) {
    throw invalid(source, `invalid regular expression: ${(error as Error).message}`, node.range.start);
  }
}

function methodNameOffset(source: string, from: number, node: ASTNode): number {
  const offset = matchesMethodOffset(source, from, node.range.end);
  if (offset === -1) throw invalid(source, 'cannot locate this matches() call', node.range.start);
  return offset;
}
