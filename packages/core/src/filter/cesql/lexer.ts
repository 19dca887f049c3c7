import { CesqlParseError } from './types.ts';

/*
 * The CESQL v1 lexer (cloudevents/spec cesql/CESQLLexer.g4, spec §2). Keywords are
 * case-insensitive (§2); identifiers are lowered, as the reference engines (sdk-go, sdk-java) read
 * them through an upper-casing stream, so `EXISTS SOURCE` addresses `source` (TCK
 * case_sensitivity / exists_expression).
 */

export type TokenKind =
  | 'integer'
  | 'string'
  | 'boolean'
  | 'identifier'
  | 'function'
  | 'keyword'
  | 'operator'
  | '('
  | ')'
  | ','
  | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** The keyword or operator upper-cased, the identifier lowered, the string unescaped. */
  readonly text: string;
  /** For integer and boolean literals. */
  readonly value?: number | boolean;
  readonly offset: number;
}

const KEYWORDS: ReadonlySet<string> = new Set(['AND', 'OR', 'XOR', 'NOT', 'LIKE', 'EXISTS', 'IN']);
const WORD = /[A-Za-z0-9_]/;
const DIGITS = /^[0-9]+$/;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Whether a token ends an operand, so a following `-` or `+` is binary, not a literal's sign. */
function endsOperand(token: Token | undefined): boolean {
  if (token === undefined) return false;
  return (
    token.kind === 'integer' ||
    token.kind === 'string' ||
    token.kind === 'boolean' ||
    token.kind === 'identifier' ||
    token.kind === ')'
  );
}

/**
 * §2.2 string literal: `'...'` or `"..."`; `\'`, `\"` and a doubled quote stand for the quote
 * (CESQLLexer.g4 SQUOTA_STRING / DQUOTA_STRING, TCK literals). Any other `\x` is kept as written,
 * so a LIKE pattern still sees its `\%` and `\_` escapes (§3.4.3).
 */
function readString(source: string, start: number): { text: string; end: number } {
  const quote = source[start];
  let text = '';
  let i = start + 1;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '\\' && i + 1 < source.length) {
      const next = source[i + 1];
      text += next === "'" || next === '"' ? next : `\\${next}`;
      i += 2;
    } else if (ch === quote) {
      if (source[i + 1] === quote) {
        text += quote;
        i += 2;
      } else {
        return { text, end: i + 1 };
      }
    } else {
      text += ch;
      i++;
    }
  }
  throw new CesqlParseError('unterminated string literal', start);
}

/** Split `source` into tokens, ending with an `end` token. Throws CesqlParseError. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i++;
      continue;
    }
    const start = i;
    if (ch === "'" || ch === '"') {
      const { text, end } = readString(source, i);
      tokens.push({ kind: 'string', text, offset: start });
      i = end;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch, text: ch, offset: start });
      i++;
      continue;
    }
    const isSign = ch === '-' || ch === '+';
    // §2.2 integer-literal ::= ('+' | '-')? digit+ — a sign belongs to the literal unless an
    // operand precedes it (`4 - 1`, `4-1`), so `-2147483648` is one valid literal.
    if ((isSign && !endsOperand(tokens.at(-1)) && /[0-9]/.test(source[i + 1] ?? '')) || /[0-9]/.test(ch)) {
      let end = isSign ? i + 1 : i;
      while (end < source.length && WORD.test(source[end] as string)) end++;
      const word = source.slice(isSign ? i + 1 : i, end);
      if (DIGITS.test(word)) {
        const value = Number(source.slice(i, end));
        if (value < INT_MIN || value > INT_MAX) {
          throw new CesqlParseError(`integer literal ${source.slice(i, end)} is not a 32-bit integer`, start);
        }
        tokens.push({
          kind: 'integer',
          text: source.slice(i, end),
          value: value === 0 ? 0 : value,
          offset: start,
        });
        i = end;
        continue;
      }
      if (isSign) {
        tokens.push({ kind: 'operator', text: ch, offset: start });
        i++;
        continue;
      }
      // A word starting with a digit is an identifier (CESQLLexer.g4 IDENTIFIER_WITH_NUMBER).
    }
    if (WORD.test(ch)) {
      let end = i;
      while (end < source.length && WORD.test(source[end] as string)) end++;
      const word = source.slice(i, end);
      const upper = word.toUpperCase();
      i = end;
      if (upper === 'TRUE' || upper === 'FALSE') {
        tokens.push({ kind: 'boolean', text: upper, value: upper === 'TRUE', offset: start });
      } else if (KEYWORDS.has(upper)) {
        tokens.push({ kind: 'keyword', text: upper, offset: start });
      } else if (word.includes('_')) {
        // §2.4 function-identifier ::= char ("_" | char)*
        if (!/^[A-Za-z][A-Za-z_]*$/.test(word)) {
          throw new CesqlParseError(`'${word}' is neither an attribute name nor a function name`, start);
        }
        tokens.push({ kind: 'function', text: upper, offset: start });
      } else {
        tokens.push({ kind: 'identifier', text: word.toLowerCase(), offset: start });
      }
      continue;
    }
    const two = source.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'operator', text: two, offset: start });
      i += 2;
      continue;
    }
    if ('=<>+-*/%'.includes(ch)) {
      tokens.push({ kind: 'operator', text: ch, offset: start });
      i++;
      continue;
    }
    throw new CesqlParseError(`unexpected character '${ch}'`, start);
  }
  tokens.push({ kind: 'end', text: '', offset: source.length });
  return tokens;
}
