import { type Token, tokenize } from './lexer.ts';
import { type BinaryOperator, type CesqlNode, CesqlParseError } from './types.ts';

/*
 * The CESQL v1 parser (cloudevents/spec cesql/CESQLParser.g4), by recursive descent. Precedence
 * from the grammar's alternative order, which the reference engines generate their parsers from
 * (§3.6 lists the same order), tightest first:
 *   function call, ( ), literal, attribute, EXISTS identifier
 *   NOT x, -x                  (prefix; the operand is itself a prefix expression)
 *   x [NOT] LIKE 'p', x [NOT] IN (...)
 *   * / %        + -        = != <> < <= > >=   (left-associative)
 *   AND OR XOR                 (one level, right-associative: `<assoc=right>` in the grammar)
 */

/** Nesting beyond this is refused, so evaluation depth (and the stack) stays bounded. */
export const MAX_NESTING = 64;

const MULTIPLICATIVE: ReadonlySet<string> = new Set(['*', '/', '%']);
const ADDITIVE: ReadonlySet<string> = new Set(['+', '-']);
const COMPARISON: ReadonlySet<string> = new Set(['=', '!=', '<>', '<', '<=', '>', '>=']);
const LOGIC: ReadonlySet<string> = new Set(['AND', 'OR', 'XOR']);

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the expression';
    case 'string':
      return 'a string literal';
    default:
      return `'${token.text}'`;
  }
}

class Parser {
  readonly #tokens: Token[];
  #at = 0;
  #depth = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  get #peek(): Token {
    return this.#tokens[this.#at] as Token;
  }

  #next(): Token {
    return this.#tokens[this.#at++] as Token;
  }

  #isOperator(set: ReadonlySet<string>): boolean {
    const token = this.#peek;
    return (token.kind === 'operator' || token.kind === 'keyword') && set.has(token.text);
  }

  #expect(kind: Token['kind'], what: string): Token {
    const token = this.#peek;
    if (token.kind !== kind)
      throw new CesqlParseError(`expected ${what}, found ${describe(token)}`, token.offset);
    return this.#next();
  }

  parse(): CesqlNode {
    const node = this.#logic();
    const token = this.#peek;
    if (token.kind !== 'end') {
      throw new CesqlParseError(`unexpected ${describe(token)} after a complete expression`, token.offset);
    }
    return node;
  }

  #nested<T>(parse: () => T, offset: number): T {
    if (++this.#depth > MAX_NESTING) {
      throw new CesqlParseError(`the expression is nested more than ${MAX_NESTING} levels deep`, offset);
    }
    try {
      return parse();
    } finally {
      this.#depth--;
    }
  }

  #logic(): CesqlNode {
    const left = this.#comparison();
    if (!this.#isOperator(LOGIC)) return left;
    const operator = this.#next().text as BinaryOperator;
    const right = this.#nested(() => this.#logic(), left.offset);
    return { kind: 'binary', operator, left, right, offset: left.offset };
  }

  #leftAssociative(operators: ReadonlySet<string>, operand: () => CesqlNode): CesqlNode {
    let left = operand();
    while (this.#isOperator(operators)) {
      const operator = this.#next().text as BinaryOperator;
      left = { kind: 'binary', operator, left, right: operand(), offset: left.offset };
    }
    return left;
  }

  #comparison(): CesqlNode {
    return this.#leftAssociative(COMPARISON, () => this.#additive());
  }

  #additive(): CesqlNode {
    return this.#leftAssociative(ADDITIVE, () => this.#multiplicative());
  }

  #multiplicative(): CesqlNode {
    return this.#leftAssociative(MULTIPLICATIVE, () => this.#postfix());
  }

  /** §2.3 like-operation and in-operation. */
  #postfix(): CesqlNode {
    let value = this.#unary();
    for (;;) {
      const token = this.#peek;
      let negated = false;
      let operator = token;
      if (token.kind === 'keyword' && token.text === 'NOT') {
        const after = this.#tokens[this.#at + 1] as Token;
        if (after.kind !== 'keyword' || (after.text !== 'LIKE' && after.text !== 'IN')) return value;
        negated = true;
        operator = after;
      }
      if (operator.kind !== 'keyword' || (operator.text !== 'LIKE' && operator.text !== 'IN')) return value;
      this.#at += negated ? 2 : 1;
      if (operator.text === 'LIKE') {
        // §3.4.3: the pattern MUST be a string literal, otherwise a parse error.
        const pattern = this.#peek;
        if (pattern.kind !== 'string') {
          throw new CesqlParseError(
            `LIKE takes a string literal pattern, found ${describe(pattern)}`,
            pattern.offset,
          );
        }
        this.#next();
        value = { kind: 'like', negated, value, pattern: pattern.text, offset: value.offset };
      } else {
        // §2.3 set-expression ::= "(" expression ("," expression)* ")" — never empty.
        this.#expect('(', "'(' to open the IN set");
        const set: CesqlNode[] = [];
        do {
          set.push(this.#nested(() => this.#logic(), this.#peek.offset));
        } while (this.#peek.kind === ',' && this.#next());
        this.#expect(')', "',' or ')' in the IN set");
        value = { kind: 'in', negated, value, set, offset: value.offset };
      }
    }
  }

  #unary(): CesqlNode {
    const token = this.#peek;
    if (token.kind === 'keyword' && token.text === 'NOT') {
      this.#next();
      return { kind: 'not', operand: this.#nested(() => this.#unary(), token.offset), offset: token.offset };
    }
    if (token.kind === 'operator' && token.text === '-') {
      this.#next();
      return {
        kind: 'negate',
        operand: this.#nested(() => this.#unary(), token.offset),
        offset: token.offset,
      };
    }
    return this.#primary();
  }

  #primary(): CesqlNode {
    const token = this.#next();
    switch (token.kind) {
      case 'integer':
      case 'boolean':
        return { kind: 'literal', value: token.value as number | boolean, offset: token.offset };
      case 'string':
        return { kind: 'literal', value: token.text, offset: token.offset };
      case 'identifier':
        if (this.#peek.kind === '(') {
          // §2.4 function-identifier ::= char ("_" | char)*: no digits.
          if (!/^[a-z]+$/.test(token.text)) {
            throw new CesqlParseError(`'${token.text}' is not a valid function name`, token.offset);
          }
          return this.#call(token.text.toUpperCase(), token.offset);
        }
        return { kind: 'attribute', name: token.text, offset: token.offset };
      case 'function':
        if (this.#peek.kind !== '(') {
          throw new CesqlParseError(
            `'${token.text.toLowerCase()}' is not a valid attribute name (lowercase letters and digits)`,
            token.offset,
          );
        }
        return this.#call(token.text, token.offset);
      case 'keyword':
        if (token.text === 'EXISTS') {
          const name = this.#expect('identifier', 'an attribute name after EXISTS');
          return { kind: 'exists', name: name.text, offset: token.offset };
        }
        break;
      case '(': {
        const inner = this.#nested(() => this.#logic(), token.offset);
        this.#expect(')', "')'");
        return inner;
      }
      default:
        break;
    }
    throw new CesqlParseError(`expected an expression, found ${describe(token)}`, token.offset);
  }

  /** §2.4 function-invocation ::= function-identifier "(" argument-list? ")" */
  #call(name: string, offset: number): CesqlNode {
    this.#expect('(', "'('");
    const args: CesqlNode[] = [];
    if (this.#peek.kind !== ')') {
      do {
        args.push(this.#nested(() => this.#logic(), this.#peek.offset));
      } while (this.#peek.kind === ',' && this.#next());
    }
    this.#expect(')', `',' or ')' to close the arguments of ${name}`);
    return { kind: 'call', name, args, offset };
  }
}

/** Parse a CESQL expression (§2.1 `expression`). Throws CesqlParseError with the offset. */
export function parseCesql(source: string): CesqlNode {
  return new Parser(tokenize(source)).parse();
}
