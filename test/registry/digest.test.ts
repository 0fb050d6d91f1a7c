import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  computeDigest,
  createVerifyingStream,
  DigestVerifier,
  isValidDigest,
  parseDigest,
  validateDigest,
  verifyDigest,
} from '../../src/registry/digest.js';

const content = Buffer.from('hello, registry\n');
const sha256 = `sha256:${createHash('sha256').update(content).digest('hex')}`;
const sha512 = `sha512:${createHash('sha512').update(content).digest('hex')}`;

describe('parseDigest', () => {
  it.each([
    [sha256, 'sha256'],
    [sha512, 'sha512'],
  ])('accepts %s', (digest, algorithm) => {
    expect(parseDigest(digest).algorithm).toBe(algorithm);
    expect(validateDigest(digest)).toBe(digest);
    expect(isValidDigest(digest)).toBe(true);
  });

  const invalid: Array<[string, RegExp]> = [
    ['', /the digest "" has no algorithm/],
    ['sha256', /the digest "sha256" has no algorithm; write sha256:<64 lower-case hex>/],
    ['sha256:', /has 0 hex characters; sha256 needs 64/],
    [`sha256:${'a'.repeat(63)}`, /has 63 hex characters; sha256 needs 64/],
    [`sha256:${'a'.repeat(65)}`, /has 65 hex characters; sha256 needs 64/],
    [`sha256:${'a'.repeat(128)}`, /has 128 hex characters; sha256 needs 64/],
    [`sha512:${'a'.repeat(64)}`, /has 64 hex characters; sha512 needs 128/],
    [`SHA256:${'a'.repeat(64)}`, /unsupported digest algorithm "SHA256"/],
    [`sha256:${'A'.repeat(64)}`, /is not lower-case hex; write it in lower case/],
    [`md5:${'a'.repeat(32)}`, /unsupported digest algorithm "md5"/],
    [`blake3:${'a'.repeat(64)}`, /unsupported digest algorithm "blake3"/],
    [`sha384:${'a'.repeat(96)}`, /unsupported digest algorithm "sha384"/],
    ['sha256:../../../etc/passwd', /is not lower-case hex; sha256 needs 64 characters of 0-9 and a-f/],
    [`sha256:${'a'.repeat(62)}/..`, /is not lower-case hex; sha256 needs 64 characters of 0-9 and a-f/],
    [`sha256:${'a'.repeat(60)}%2e%2e`, /is not lower-case hex; sha256 needs 64 characters of 0-9 and a-f/],
    [`../sha256:${'a'.repeat(64)}`, /unsupported digest algorithm "..\/sha256"/],
    [`sha256:${'a'.repeat(64)}\n`, /is not lower-case hex; sha256 needs 64 characters of 0-9 and a-f/],
    [`sha256: ${'a'.repeat(63)}`, /is not lower-case hex; sha256 needs 64 characters of 0-9 and a-f/],
    [`sha256+b64u:${'a'.repeat(43)}`, /unsupported digest algorithm/],
    [`toString:${'a'.repeat(64)}`, /unsupported digest algorithm "toString"/],
    [`__proto__:${'a'.repeat(64)}`, /unsupported digest algorithm "__proto__"/],
  ];

  it.each(invalid)('rejects %j', (digest, reason) => {
    expect(isValidDigest(digest)).toBe(false);
    let caught: unknown;
    try {
      parseDigest(digest);
    } catch (error) {
      caught = error;
    }
    expect((caught as { code?: string }).code).toBe('INVALID_DIGEST');
    expect((caught as Error).name).toBe('InvalidDigestError');
    expect((caught as Error).message).toMatch(reason);
  });

  it.each([
    ['sha256:abc', 'the digest "sha256:abc" has 3 hex characters; sha256 needs 64'],
    [`sha256:ZZ${'a'.repeat(62)}`, `the digest "sha256:ZZ${'a'.repeat(62)}" is not lower-case hex; sha256 needs 64 characters of 0-9 and a-f`],
    [`sha512:${'B'.repeat(128)}`, `the digest "sha512:${'B'.repeat(128)}" is not lower-case hex; write it in lower case`],
    ['md5:d41d8cd98f00b204e9800998ecf8427e', 'unsupported digest algorithm "md5"; use sha256 or sha512'],
  ])('words the error for %j as one sentence', (digest, message) => {
    expect(() => parseDigest(digest)).toThrow(expect.objectContaining({ message, reason: message, input: digest }));
  });

  it('shortens a huge input in the message', () => {
    expect(() => parseDigest(`sha256:${'z'.repeat(10_000)}`)).toThrow(/…"/);
    try {
      parseDigest(`sha256:${'z'.repeat(10_000)}`);
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(400);
    }
  });

  it('rejects values that are not strings', () => {
    expect(isValidDigest(undefined)).toBe(false);
    expect(isValidDigest(42)).toBe(false);
  });
});

describe('computeDigest and verifyDigest', () => {
  it('computes sha256 by default and sha512 on request', () => {
    expect(computeDigest(content)).toBe(sha256);
    expect(computeDigest(content, 'sha512')).toBe(sha512);
    expect(computeDigest('hello, registry\n')).toBe(sha256);
  });

  it('verifies with the algorithm the expected digest names', () => {
    expect(() => verifyDigest(content, sha256, 'test content')).not.toThrow();
    expect(() => verifyDigest(content, sha512, 'test content')).not.toThrow();
  });

  it('reports a mismatch with both digests', () => {
    const other = computeDigest('other');
    expect(() => verifyDigest(content, other, 'manifest x')).toThrow(
      expect.objectContaining({ code: 'DIGEST_MISMATCH', expected: other, actual: sha256 }),
    );
  });

  it('treats an unknown algorithm as an error, never a pass', () => {
    expect(() => verifyDigest(content, `md5:${'a'.repeat(32)}`, 'x')).toThrow(expect.objectContaining({ code: 'INVALID_DIGEST' }));
    expect(() => new DigestVerifier(`sha1:${'a'.repeat(40)}`, 'x')).toThrow(/unsupported digest algorithm "sha1"/);
  });
});

describe('DigestVerifier', () => {
  it('accepts content fed in pieces', () => {
    const verifier = new DigestVerifier(sha512, 'blob', content.length);
    verifier.update(content.subarray(0, 5));
    verifier.update(content.subarray(5));
    expect(verifier.size).toBe(content.length);
    expect(() => verifier.verify()).not.toThrow();
  });

  it('fails as soon as content outgrows the expected size', () => {
    const verifier = new DigestVerifier(sha256, 'blob', 4);
    expect(() => verifier.update(content)).toThrow(expect.objectContaining({ code: 'SIZE_MISMATCH', expected: 4 }));
  });

  it('fails on short content', () => {
    const verifier = new DigestVerifier(sha256, 'blob', content.length + 1);
    verifier.update(content);
    expect(() => verifier.verify()).toThrow(/expected 17 bytes, got 16/);
  });
});

describe('createVerifyingStream', () => {
  async function collect(chunks: Buffer[], expected: string, size?: number): Promise<Buffer> {
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), createVerifyingStream(expected, 'blob under test', size), async function (source) {
      for await (const chunk of source) {
        out.push(chunk as Buffer);
      }
    });
    return Buffer.concat(out);
  }

  it('passes matching content through unchanged', async () => {
    const chunks = [content.subarray(0, 3), content.subarray(3)];
    expect(await collect(chunks, sha256, content.length)).toEqual(content);
  });

  it('errors at the end of the stream on a mismatch', async () => {
    const tampered = Buffer.from(content);
    tampered[0] = 0x48;
    await expect(collect([tampered], sha256)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', what: 'blob under test' });
  });

  it('errors on content longer than announced', async () => {
    await expect(collect([content, content], sha256, content.length)).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
  });
});
