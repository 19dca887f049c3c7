import { createHmac, timingSafeEqual } from 'node:crypto';
import { EventyardError } from '@eventyard/core';
import type { SignatureCheck } from '../types.ts';

function invalid(message: string): EventyardError {
  return new EventyardError('EY_SIGNATURE_INVALID', message, { status: 401 });
}

/**
 * Verifies a webhook's HMAC signature over the raw body, as GitHub (`x-hub-signature-256:
 * sha256=<hex>`), Shopify (`x-shopify-hmac-sha256: <base64>`) and many CRMs send it. The digest
 * comparison is constant-time (crypto.timingSafeEqual), so the answer time reveals nothing about
 * how much of a forged signature was right. Throws EY_SIGNATURE_INVALID (401).
 */
export function verifySignature(
  check: SignatureCheck,
  header: string | string[] | undefined,
  body: Uint8Array,
): void {
  const given = Array.isArray(header) ? header[0] : header;
  if (given === undefined || given === '') throw invalid(`missing signature header ${check.header}`);
  const value = given.trim();
  if (!value.startsWith(check.prefix)) {
    throw invalid(`signature header ${check.header} must start with "${check.prefix}"`);
  }
  const digest = value.slice(check.prefix.length);
  const expected = createHmac(check.algorithm, check.secret).update(body).digest();
  const pattern = check.encoding === 'hex' ? /^[0-9a-fA-F]+$/ : /^[A-Za-z0-9+/]+={0,2}$/;
  const actual = pattern.test(digest) ? Buffer.from(digest, check.encoding) : Buffer.alloc(0);
  // Lengths differ only for a malformed or wrong-algorithm header; the length is no secret.
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw invalid(
      `signature in ${check.header} does not match the body (HMAC-${check.algorithm.toUpperCase()})`,
    );
  }
}
