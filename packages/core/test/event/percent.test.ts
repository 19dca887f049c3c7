import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeHeaderValue, encodeHeaderValue } from '../../src/event/index.ts';

test('encodes the example of HTTP binding §3.1.3.2', () => {
  assert.equal(encodeHeaderValue('Euro € 😀'), 'Euro%20%E2%82%AC%20%F0%9F%98%80');
  assert.equal(decodeHeaderValue('Euro%20%E2%82%AC%20%F0%9F%98%80'), 'Euro € 😀');
});

test('encodes space, double-quote, percent and non-printable characters only', () => {
  assert.equal(encodeHeaderValue('/crm/webhooks?x=1&y=2#z'), '/crm/webhooks?x=1&y=2#z');
  assert.equal(encodeHeaderValue('say "hi"'), 'say%20%22hi%22');
  assert.equal(encodeHeaderValue('100%'), '100%25');
  assert.equal(encodeHeaderValue('a\tb\u007fc'), 'a%09b%7Fc');
  assert.equal(encodeHeaderValue('café'), 'caf%C3%A9');
});

test('round-trips any text, including non-ASCII and astral characters', () => {
  for (const value of [
    'plain',
    'with space',
    '"quoted"',
    '50% off',
    'naïve façade',
    '日本語',
    '🎉🚀',
    'é%20',
    'a\u0001b',
  ]) {
    assert.equal(decodeHeaderValue(encodeHeaderValue(value)), value, value);
  }
});

test('decoding accepts lower-case hex and needlessly encoded characters', () => {
  assert.equal(decodeHeaderValue('caf%c3%a9'), 'café');
  assert.equal(decodeHeaderValue('%41%42C'), 'ABC');
});

test('decoding rejects invalid UTF-8 and overlong forms', () => {
  assert.equal(decodeHeaderValue('%C0%A0'), undefined); // overlong U+0020, the section's own example
  assert.equal(decodeHeaderValue('%FF'), undefined);
  assert.equal(decodeHeaderValue('%E2%82'), undefined); // truncated sequence
});

test('a "%" that starts no escape is kept literally (sdk-go senders do not escape it)', () => {
  assert.equal(decodeHeaderValue('100%'), '100%');
  assert.equal(decodeHeaderValue('%G1'), '%G1');
  assert.equal(decodeHeaderValue('%4'), '%4');
});

test('decoding unescapes RFC 7230 quoted strings first (older senders)', () => {
  assert.equal(decodeHeaderValue('"hello world"'), 'hello world');
  assert.equal(decodeHeaderValue('"say \\"hi\\""'), 'say "hi"');
  assert.equal(decodeHeaderValue('"caf%C3%A9"'), 'café');
});

test('raw UTF-8 bytes on the wire (seen by node as latin1) are read as UTF-8', () => {
  const latin1 = Buffer.from('café ☕', 'utf8').toString('latin1');
  assert.equal(decodeHeaderValue(latin1), 'café ☕');
});

test('values that need no decoding come back unchanged', () => {
  const value = 'com.example.lead.created';
  assert.equal(decodeHeaderValue(value), value);
  assert.equal(decodeHeaderValue(''), '');
});
