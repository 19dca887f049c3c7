import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCelCompiler, EventyardError, MAX_CEL_EXPRESSION_LENGTH } from '@eventyard/core';

const compiler = createCelCompiler({ body: 'dyn', headers: 'map' });

test('evaluates over the declared variables, many times from one compilation', () => {
  const program = compiler.compile("'com.example.crm.' + body.event + '/' + headers['x-account']");
  assert.equal(program.type, 'string');
  assert.equal(
    program.evaluate({ body: { event: 'updated' }, headers: { 'x-account': 'a1' } }),
    'com.example.crm.updated/a1',
  );
  assert.equal(
    program.evaluate({ body: { event: 'deleted' }, headers: { 'x-account': 'a2' } }),
    'com.example.crm.deleted/a2',
  );
});

test('JSON numbers compare with CEL ints and optional chaining gives defaults', () => {
  assert.equal(compiler.compile('body.score > 70').evaluate({ body: { score: 80 }, headers: {} }), true);
  assert.equal(
    compiler.compile("body.?tier.orValue('standard')").evaluate({ body: {}, headers: {} }),
    'standard',
  );
});

test('a missing key throws at evaluation', () => {
  const program = compiler.compile('body.customer.id');
  assert.throws(() => program.evaluate({ body: {}, headers: {} }), /customer/);
});

test('syntax and type errors name the line and column', () => {
  assert.throws(
    () => compiler.compile("body.a +\n  'x' +"),
    (error: unknown) =>
      error instanceof EventyardError &&
      error.code === 'EY_INVALID_CONFIG' &&
      /line 2, column \d+/.test(error.message),
  );
  assert.throws(() => compiler.compile('request.id'), /request/);
});

test('matches runs on RE2, method and function forms alike, and bad literal patterns fail to compile', () => {
  const method = compiler.compile("headers['x-signature'].matches('^sha256=[0-9a-f]+$')");
  assert.equal(method.evaluate({ body: {}, headers: { 'x-signature': 'sha256=ab12' } }), true);
  assert.equal(method.evaluate({ body: {}, headers: { 'x-signature': 'md5=ab12' } }), false);
  const fn = compiler.compile("matches(body.name, 'a+b')");
  assert.equal(fn.evaluate({ body: { name: 'xaab' }, headers: {} }), true);
  // A pattern that backtracks catastrophically in a JavaScript RegExp is linear under RE2.
  const evil = compiler.compile("body.text.matches('^(a|a)*b$')");
  const started = performance.now();
  assert.equal(evil.evaluate({ body: { text: `${'a'.repeat(5000)}c` }, headers: {} }), false);
  assert.ok(performance.now() - started < 1000);
  assert.throws(() => compiler.compile("body.x.matches('(a')"), /invalid regular expression/);
});

test('expressions longer than the limit are refused', () => {
  assert.throws(
    () => compiler.compile(`'${'a'.repeat(MAX_CEL_EXPRESSION_LENGTH)}'`),
    /characters long; the limit is/,
  );
});
