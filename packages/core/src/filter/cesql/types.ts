/*
 * The shapes shared by the CloudEvents SQL (CESQL v1, cloudevents/spec cesql/spec.md) lexer,
 * parser and evaluator.
 */

/** §3.1: the three primitive types. Integers are 32-bit signed, held as JS numbers. */
export type CesqlValue = string | number | boolean;

/** The static type of an expression: `any` for an attribute, whose value is only known per event. */
export type CesqlType = 'string' | 'integer' | 'boolean' | 'any';

/** §3.3: the error kinds every engine supports. */
export type CesqlErrorKind =
  | 'parse'
  | 'math'
  | 'cast'
  | 'missingAttribute'
  | 'missingFunction'
  | 'functionEvaluation'
  | 'generic';

/** One entry of the §3.3 error list; `offset` is where its subexpression starts (0-based). */
export interface CesqlError {
  readonly kind: CesqlErrorKind;
  readonly message: string;
  readonly offset: number;
}

/** A §3.3 ParseError raised by the lexer or the parser. */
export class CesqlParseError extends Error {
  readonly kind = 'parse' as const;
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = 'CesqlParseError';
    this.offset = offset;
  }
}

export type BinaryOperator =
  | '='
  | '!='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | 'AND'
  | 'OR'
  | 'XOR';

/** The parsed expression (§2). Every node records the offset where it starts in the source. */
export type CesqlNode =
  | { readonly kind: 'literal'; readonly value: CesqlValue; readonly offset: number }
  | { readonly kind: 'attribute'; readonly name: string; readonly offset: number }
  | { readonly kind: 'exists'; readonly name: string; readonly offset: number }
  | { readonly kind: 'not'; readonly operand: CesqlNode; readonly offset: number }
  | { readonly kind: 'negate'; readonly operand: CesqlNode; readonly offset: number }
  | {
      readonly kind: 'binary';
      readonly operator: BinaryOperator;
      readonly left: CesqlNode;
      readonly right: CesqlNode;
      readonly offset: number;
    }
  | {
      readonly kind: 'like';
      readonly negated: boolean;
      readonly value: CesqlNode;
      readonly pattern: string;
      readonly offset: number;
    }
  | {
      readonly kind: 'in';
      readonly negated: boolean;
      readonly value: CesqlNode;
      readonly set: readonly CesqlNode[];
      readonly offset: number;
    }
  | {
      readonly kind: 'call';
      readonly name: string;
      readonly args: readonly CesqlNode[];
      readonly offset: number;
    };
