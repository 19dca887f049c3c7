import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileLike } from '../../src/filter/cesql/like.ts';

/** The §3.4.3 semantics as an anchored regular expression, the reference for the matchers. */
function reference(pattern: string): RegExp {
  let source = '';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '\\' && (chars[i + 1] === '%' || chars[i + 1] === '_')) source += chars[++i];
    else if (ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += ch.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'su');
}

/** A small deterministic generator, so a failure is reproducible. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

test('LIKE matchers agree with the reference on generated patterns and texts', () => {
  const next = random(7);
  const pick = (alphabet: string[], max: number) => {
    let out = '';
    const length = Math.floor(next() * (max + 1));
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
    return out;
  };
  const patternAlphabet = ['a', 'b', '%', '_', '\\', '.', '😀'];
  const textAlphabet = ['a', 'b', '%', '_', '\\', '.', '😀'];
  for (let i = 0; i < 3000; i++) {
    const pattern = pick(patternAlphabet, 6);
    const matches = compileLike(pattern);
    const expected = reference(pattern);
    for (let j = 0; j < 10; j++) {
      const text = pick(textAlphabet, 8);
      assert.equal(
        matches(text),
        expected.test(text),
        `${JSON.stringify(text)} LIKE ${JSON.stringify(pattern)}`,
      );
    }
  }
});
