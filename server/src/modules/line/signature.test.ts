import { describe, expect, it } from 'vitest';
import { lineSignature, verifyLineSignature } from './signature.js';

describe('LINE webhook signature', () => {
  // The test vector of reference/external-apis.md.
  const body = Buffer.from('{"destination":"U00000000000000000000000000000000","events":[]}');
  const vector = 'ELnyFCUVWa5oREVSj/VI6gaCRZNQ+63oBuDec55Hs/A=';
  it('matches LINE’s test vector', () => {
    expect(lineSignature('testsecret', body)).toBe(vector);
    expect(verifyLineSignature('testsecret', body, vector)).toBe(true);
  });
  it('refuses a changed byte, a missing header and another secret', () => {
    const changed = Buffer.from(body);
    changed[changed.length - 2] = 0x20;
    expect(verifyLineSignature('testsecret', changed, vector)).toBe(false);
    expect(verifyLineSignature('testsecret', body, undefined)).toBe(false);
    expect(verifyLineSignature('othersecret', body, vector)).toBe(false);
  });
});
