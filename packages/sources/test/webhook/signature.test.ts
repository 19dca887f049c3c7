import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { isEventyardError } from '@eventyard/core';
import { type SignatureCheck, verifySignature } from '@eventyard/sources';

// GitHub's documented example ("Validating webhook deliveries"): secret and payload with the signature it sends.
const github: SignatureCheck = {
  secret: Buffer.from("It's a Secret to Everybody"),
  header: 'x-hub-signature-256',
  algorithm: 'sha256',
  prefix: 'sha256=',
  encoding: 'hex',
};
const payload = Buffer.from('Hello, World!');
const githubSignature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

function rejects(check: SignatureCheck, header: string | undefined, body: Uint8Array, message: RegExp): void {
  assert.throws(
    () => verifySignature(check, header, body),
    (error: unknown) =>
      isEventyardError(error, 'EY_SIGNATURE_INVALID') && error.status === 401 && message.test(error.message),
  );
}

test("accepts GitHub's documented example signature", () => {
  verifySignature(github, githubSignature, payload);
  verifySignature(github, githubSignature.toUpperCase().replace('SHA256=', 'sha256='), payload);
});

test('rejects a changed body, a changed digest, a missing header and a wrong prefix', () => {
  rejects(github, githubSignature, Buffer.from('Hello, World?'), /does not match the body \(HMAC-SHA256\)/);
  rejects(github, `${githubSignature.slice(0, -1)}0`, payload, /does not match/);
  rejects(github, undefined, payload, /missing signature header x-hub-signature-256/);
  rejects(github, githubSignature.replace('sha256=', 'sha1='), payload, /must start with "sha256="/);
  rejects(github, 'sha256=not-hex', payload, /does not match/);
  rejects(github, 'sha256=', payload, /does not match/);
});

test('base64 digests without a prefix, and other algorithms', () => {
  const shopify: SignatureCheck = {
    secret: Buffer.from('hush'),
    header: 'x-shopify-hmac-sha256',
    algorithm: 'sha512',
    prefix: '',
    encoding: 'base64',
  };
  const body = Buffer.from('{"id":1}');
  const digest = createHmac('sha512', 'hush').update(body).digest('base64');
  verifySignature(shopify, digest, body);
  rejects(
    shopify,
    createHmac('sha256', 'hush').update(body).digest('base64'),
    body,
    /does not match \(HMAC-SHA512\)|does not match the body/,
  );
});
