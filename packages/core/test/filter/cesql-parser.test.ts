import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenize } from '../../src/filter/cesql/lexer.ts';
import { parseCesql } from '../../src/filter/cesql/parser.ts';
import { type CesqlNode, CesqlParseError } from '../../src/filter/cesql/types.ts';

/** A compact rendering of the tree, to assert structure and precedence. */
function show(node: CesqlNode): string {
  switch (node.kind) {
    case 'literal':
      return typeof node.value === 'string' ? JSON.stringify(node.value) : String(node.value);
    case 'attribute':
      return node.name;
    case 'exists':
      return `(EXISTS ${node.name})`;
    case 'not':
      return `(NOT ${show(node.operand)})`;
    case 'negate':
      return `(-${show(node.operand)})`;
    case 'binary':
      return `(${show(node.left)} ${node.operator} ${show(node.right)})`;
    case 'like':
      return `(${show(node.value)}${node.negated ? ' NOT' : ''} LIKE ${JSON.stringify(node.pattern)})`;
    case 'in':
      return `(${show(node.value)}${node.negated ? ' NOT' : ''} IN [${node.set.map(show).join(', ')}])`;
    case 'call':
      return `${node.name}(${node.args.map(show).join(', ')})`;
  }
}

const parsed = (source: string) => show(parseCesql(source));

function parseError(source: string): CesqlParseError {
  try {
    parseCesql(source);
  } catch (error) {
    assert.ok(error instanceof CesqlParseError, `expected a parse error for ${source}`);
    return error;
  }
  assert.fail(`expected a parse error for ${source}`);
}

test('literals: integers with signs, booleans in any case, both string quotes with escapes', () => {
  assert.equal(parsed('0'), '0');
  assert.equal(parsed('-2147483648'), '-2147483648');
  assert.equal(parsed('+7'), '7');
  assert.equal(parsed('tRuE'), 'true');
  assert.equal(parsed('FALSE'), 'false');
  assert.equal(parsed(`'a"b\\'c'`), JSON.stringify(`a"b'c`));
  assert.equal(parsed(`"a'b\\"c"`), JSON.stringify(`a'b"c`));
  assert.equal(parsed(`'it''s'`), JSON.stringify("it's"));
  // Other escapes are kept for LIKE (§3.4.3).
  assert.equal(parsed(`'a\\%b\\c'`), JSON.stringify('a\\%b\\c'));
});

test('integers outside 32 bits are parse errors', () => {
  assert.match(parseError('2147483648').message, /not a 32-bit integer/);
  assert.match(parseError('-2147483649').message, /not a 32-bit integer/);
  assert.equal(parsed('2147483647'), '2147483647');
});

test('keywords and identifiers are case-insensitive; identifiers are lowered', () => {
  assert.equal(parsed('EXISTS SOURCE and Type = "x"'), '((EXISTS source) AND (type = "x"))');
  assert.equal(parsed('int(hop) < INT(ttl)'), '(INT(hop) < INT(ttl))');
  assert.equal(parsed('concat_ws(",", a)'), 'CONCAT_WS(",", a)');
  assert.equal(parsed('1abc'), '1abc');
});

test('a sign after an operand is the binary operator', () => {
  assert.equal(parsed('4 - 1'), '(4 - 1)');
  assert.equal(parsed('4-1'), '(4 - 1)');
  assert.equal(parsed('4 + -1'), '(4 + -1)');
  assert.equal(parsed('--10'), '(--10)');
  assert.equal(parsed("-'10'"), '(-"10")');
  assert.equal(parsed('(1)-1'), '(1 - 1)');
});

test('precedence follows CESQLParser.g4', () => {
  assert.equal(parsed('4 * 2 + 4 / 2'), '((4 * 2) + (4 / 2))');
  assert.equal(parsed('4 * (2 + 4) / 2'), '((4 * (2 + 4)) / 2)');
  assert.equal(parsed('a + 1 = b AND c'), '(((a + 1) = b) AND c)');
  assert.equal(parsed('a = 1 = b'), '((a = 1) = b)');
  assert.equal(parsed('NOT a = b'), '((NOT a) = b)');
  assert.equal(parsed('- a * b'), '((-a) * b)');
  assert.equal(parsed("a + b LIKE 'x%'"), '(a + (b LIKE "x%"))');
  assert.equal(parsed("NOT a LIKE 'x'"), '((NOT a) LIKE "x")');
  assert.equal(parsed('a NOT IN (1, b, "c")'), '(a NOT IN [1, b, "c"])');
  assert.equal(parsed("a NOT LIKE 'x'"), '(a NOT LIKE "x")');
  // AND, OR and XOR share one level and group to the right, as the grammar's <assoc=right>.
  assert.equal(parsed('a AND b OR c'), '(a AND (b OR c))');
  assert.equal(parsed('a OR b XOR c AND d'), '(a OR (b XOR (c AND d)))');
  assert.equal(parsed('NOT EXISTS time'), '(NOT (EXISTS time))');
  assert.equal(parsed('CONCAT()'), 'CONCAT()');
  assert.equal(parsed('SUBSTRING(x, 1, 2)'), 'SUBSTRING(x, 1, 2)');
});

test('parse errors carry the offset of the offending token', () => {
  assert.equal(parseError('ABC(').offset, 4);
  const like = parseError('x LIKE 123');
  assert.match(like.message, /LIKE takes a string literal pattern/);
  assert.equal(like.offset, 7);
  assert.equal(parseError("type = 'a").offset, 7);
  assert.match(parseError('a IN ()').message, /expected an expression/);
  assert.match(parseError('EXISTS 1').message, /attribute name after EXISTS/);
  assert.match(parseError('a b').message, /unexpected 'b' after a complete expression/);
  assert.equal(parseError('a ? b').offset, 2);
  assert.match(parseError('my_attr = 1').message, /not a valid attribute name/);
  assert.match(parseError('abc1(2)').message, /not a valid function name/);
  assert.match(parseError('').message, /expected an expression, found the end/);
  assert.match(parseError(`${'('.repeat(100)}1${')'.repeat(100)}`).message, /nested more than/);
});

test('tokens keep their offsets', () => {
  assert.deepEqual(
    tokenize("a >= 'x'").map((token) => [token.kind, token.text, token.offset]),
    [
      ['identifier', 'a', 0],
      ['operator', '>=', 2],
      ['string', 'x', 5],
      ['end', '', 8],
    ],
  );
});
