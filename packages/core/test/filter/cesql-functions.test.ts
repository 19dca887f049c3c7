import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileExpression, evaluateExpression } from '../../src/filter/cesql/evaluate.ts';
import { parseCesql } from '../../src/filter/cesql/parser.ts';
import type { CesqlErrorKind, CesqlValue } from '../../src/filter/cesql/types.ts';

/* The built-in functions (CESQL v1 §3.5) and the casting functions (§3.7), tck-style. */

type Case = [expression: string, value: CesqlValue, error?: CesqlErrorKind];

function check(cases: Case[]): void {
  const attributes = { specversion: '1.0', id: 'myId', source: '/s', type: 't', num: '42', word: 'Hi' };
  for (const [expression, value, error] of cases) {
    const compiled = compileExpression(parseCesql(expression));
    const result = evaluateExpression(compiled, attributes);
    assert.equal(result.value, value, `${expression}: value`);
    assert.equal(result.errors[0]?.kind, error, `${expression}: error ${JSON.stringify(result.errors)}`);
  }
}

test('casting functions (tck casting_functions)', () => {
  check([
    ["INT('1')", 1],
    ["INT('-1')", -1],
    ["INT('+7')", 7],
    ['INT(1)', 1],
    ['INT(-1)', -1],
    ['INT(TRUE)', 1],
    ['INT(FALSE)', 0],
    ["INT('ABC')", 0, 'cast'],
    ["INT('2147483648')", 0, 'cast'],
    ["INT('1.5')", 0, 'cast'],
    ['INT(num) + 1', 43],
    ["BOOL('TRUE')", true],
    ['BOOL("false")', false],
    ['BOOL(TRUE)', true],
    ['BOOL(FALSE)', false],
    ["BOOL('ABC')", false, 'cast'],
    ['BOOL(1)', true],
    ['BOOL(0)', false],
    ['BOOL(100)', true],
    ['BOOL(-50)', true],
    ['STRING(TRUE)', 'true'],
    ['STRING(FALSE)', 'false'],
    ['STRING(1)', '1'],
    ['STRING(-1)', '-1'],
    ['STRING("abc")', 'abc'],
    ["IS_INT('12')", true],
    ["IS_INT('1x')", false],
    ["IS_INT('99999999999')", false],
    ['IS_INT(3)', true],
    ['IS_INT(TRUE)', false],
    ["IS_BOOL('False')", true],
    ["IS_BOOL('yes')", false],
    ['IS_BOOL(TRUE)', true],
    ['IS_BOOL(1)', false],
    ['IS_INT(missing)', false, 'missingAttribute'],
  ]);
});

test('ABS (tck integer_builtin_functions)', () => {
  check([
    ['ABS(10)', 10],
    ['ABS(-10)', 10],
    ['ABS(0)', 0],
    ['ABS(-2147483648)', 2147483647, 'math'],
    ["ABS('-3')", 3],
    ["ABS('x')", 0, 'cast'],
    ['ABS(missing)', 0, 'missingAttribute'],
  ]);
});

test('string functions (tck string_builtin_functions)', () => {
  check([
    ["LENGTH('abc')", 3],
    ["LENGTH('')", 0],
    ["LENGTH('2')", 1],
    ['LENGTH(TRUE)', 4],
    ["LENGTH('a😀')", 2],
    ['LENGTH(missing)', 0, 'missingAttribute'],
    ["CONCAT('a', 'b', 'c')", 'abc'],
    ['CONCAT()', ''],
    ["CONCAT('a')", 'a'],
    ['CONCAT(1, TRUE, word)', '1trueHi'],
    ["CONCAT_WS(',', 'a', 'b', 'c')", 'a,b,c'],
    ["CONCAT_WS(',')", ''],
    ["CONCAT_WS(',', 'a')", 'a'],
    ['CONCAT_WS()', false, 'missingFunction'],
    ["LOWER('AbC')", 'abc'],
    ["UPPER('AbC')", 'ABC'],
    ["lower(word) = 'hi'", true],
    ["TRIM(' a b c ')", 'a b c'],
    ["TRIM(' a b c')", 'a b c'],
    ["TRIM('a b c ')", 'a b c'],
    ["TRIM('\u00a0\u2003x\t\n')", 'x'],
    ["LEFT('abc', 2)", 'ab'],
    ["LEFT('abc', 10)", 'abc'],
    ["LEFT('', 0)", ''],
    ["LEFT('abc', -2)", 'abc', 'functionEvaluation'],
    ["RIGHT('abc', 2)", 'bc'],
    ["RIGHT('abc', 10)", 'abc'],
    ["RIGHT('', 0)", ''],
    ["RIGHT('abc', -2)", 'abc', 'functionEvaluation'],
    ["RIGHT('a😀', 1)", '😀'],
    ["SUBSTRING('abcdef', 1)", 'abcdef'],
    ["SUBSTRING('abcdef', 2)", 'bcdef'],
    ["SUBSTRING('Quadratically', 5)", 'ratically'],
    ["SUBSTRING('Sakila', -3)", 'ila'],
    ["SUBSTRING('abcdef', 1, 6)", 'abcdef'],
    ["SUBSTRING('abcdef', 2, 4)", 'bcde'],
    ["SUBSTRING('Sakila', -5, 3)", 'aki'],
    ["SUBSTRING('Quadratically', 0)", ''],
    ["SUBSTRING('Quadratically', 0, 1)", ''],
    ["SUBSTRING('abcdef', 10)", '', 'functionEvaluation'],
    ["SUBSTRING('abcdef', -10)", '', 'functionEvaluation'],
    ["SUBSTRING('abcdef', 10, 10)", '', 'functionEvaluation'],
    ["SUBSTRING('abcdef', -10, 10)", '', 'functionEvaluation'],
    ["SUBSTRING('abcdef', 2, -1)", '', 'functionEvaluation'],
    ["SUBSTRING('abcdef', 5, 10)", 'ef'],
    ["SUBSTRING('abcdef', 'x')", '', 'cast'],
  ]);
});

test('unknown functions and arities are MissingFunctionErrors, known before any event', () => {
  for (const expression of ['NOPE(1)', 'LENGTH()', "LEFT('a')", "SUBSTRING('a', 1, 2, 3)", 'IS_INT()']) {
    const compiled = compileExpression(parseCesql(expression));
    assert.equal(compiled.staticErrors[0]?.kind, 'missingFunction', expression);
    const result = evaluateExpression(compiled, {});
    assert.equal(result.value, false);
    assert.equal(result.errors[0]?.kind, 'missingFunction');
  }
  assert.match(
    compileExpression(parseCesql('NOPE(1, 2)')).staticErrors[0]?.message ?? '',
    /no function NOPE taking 2 arguments/,
  );
});

test('the static type of an expression', () => {
  const typeOf = (expression: string) => compileExpression(parseCesql(expression)).type;
  assert.equal(typeOf('a = 1'), 'boolean');
  assert.equal(typeOf('a + 1'), 'integer');
  assert.equal(typeOf('LOWER(a)'), 'string');
  assert.equal(typeOf("'x'"), 'string');
  assert.equal(typeOf('a'), 'any');
  assert.equal(typeOf('NOPE()'), 'boolean');
  assert.equal(typeOf('BOOL(a)'), 'boolean');
});
