import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { TagkeeperError } from '../errors.js';
import { DigestMismatchError } from './errors.js';

/**
 * Content digests: validation, computation and verification of streamed
 * content.
 *
 * Grammar from OCI image-spec v1.1.0 (descriptor.md, "Digests"):
 * `digest := algorithm ":" encoded`. tagkeeper accepts only the two registered
 * algorithms, `sha256` (64 lower-case hex characters) and `sha512` (128).
 * Anything else, an unknown algorithm included, is rejected, never passed
 * through: a digest becomes part of a URL path, so a value such as
 * `sha256:../../x` must fail here.
 */

/** Digest algorithms tagkeeper can compute and verify. */
export type DigestAlgorithm = 'sha256' | 'sha512';

/** Length of the hex encoding of each supported algorithm. */
export const DIGEST_HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };

/** The algorithm used when tagkeeper computes a digest and none was requested. */
export const DEFAULT_DIGEST_ALGORITHM: DigestAlgorithm = 'sha256';

/** A digest split into its algorithm and hex-encoded value. */
export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/** A string is not a `sha256:<64 hex>` or `sha512:<128 hex>` digest. */
export class InvalidDigestError extends TagkeeperError {
  override readonly name = 'InvalidDigestError';
  readonly code = 'INVALID_DIGEST';

  constructor(
    /** The value as given. */
    readonly input: string,
    /** What is wrong, as a sentence that names the value: `the digest "sha256:abc" has 3 hex characters; sha256 needs 64`. */
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Content has another size than its descriptor announced. */
export class SizeMismatchError extends TagkeeperError {
  override readonly name = 'SizeMismatchError';
  readonly code = 'SIZE_MISMATCH';

  constructor(
    readonly expected: number,
    readonly actual: number,
    /** Description of the content, such as `blob sha256:… of 127.0.0.1:5000/app`. */
    readonly what: string,
  ) {
    super(`size mismatch for ${what}: expected ${expected} bytes, got ${actual}${actual > expected ? ' or more' : ''}`);
  }
}

const HEX = /^[0-9a-f]+$/;

/** Splits and validates `digest`; throws {@link InvalidDigestError} naming what is wrong. */
export function parseDigest(digest: string): ParsedDigest {
  const separator = digest.indexOf(':');
  if (separator === -1) {
    throw new InvalidDigestError(digest, `the digest ${quote(digest)} has no algorithm; write sha256:<64 lower-case hex>`);
  }
  const algorithm = digest.slice(0, separator);
  const hex = digest.slice(separator + 1);

  if (!isDigestAlgorithm(algorithm)) {
    throw new InvalidDigestError(digest, `unsupported digest algorithm ${quote(algorithm)}; use sha256 or sha512`);
  }
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (hex !== '' && !HEX.test(hex)) {
    const fix = /^[0-9a-fA-F]+$/.test(hex) ? 'write it in lower case' : `${algorithm} needs ${length} characters of 0-9 and a-f`;
    throw new InvalidDigestError(digest, `the digest ${quote(digest)} is not lower-case hex; ${fix}`);
  }
  if (hex.length !== length) {
    throw new InvalidDigestError(digest, `the digest ${quote(digest)} has ${hex.length} hex characters; ${algorithm} needs ${length}`);
  }
  return { algorithm, hex };
}

/** Returns `digest` unchanged when it is valid; throws {@link InvalidDigestError} otherwise. */
export function validateDigest(digest: string): string {
  parseDigest(digest);
  return digest;
}

/** Returns true when `value` is a valid `sha256` or `sha512` digest. */
export function isValidDigest(value: unknown): value is string {
  if (typeof value !== 'string') {
    return false;
  }
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

/** Returns true when `value` names a supported digest algorithm. */
export function isDigestAlgorithm(value: string): value is DigestAlgorithm {
  return Object.hasOwn(DIGEST_HEX_LENGTH, value);
}

/** Computes the digest of `content` (a string is hashed as UTF-8). */
export function computeDigest(content: Uint8Array | string, algorithm: DigestAlgorithm = DEFAULT_DIGEST_ALGORITHM): string {
  return `${algorithm}:${createHash(algorithm).update(content).digest('hex')}`;
}

/**
 * Throws {@link DigestMismatchError} unless `content` has the digest `expected`,
 * computed with the algorithm `expected` names.
 */
export function verifyDigest(content: Uint8Array | string, expected: string, what: string): void {
  const { algorithm } = parseDigest(expected);
  const actual = computeDigest(content, algorithm);
  if (actual !== expected) {
    throw new DigestMismatchError(expected, actual, what);
  }
}

/**
 * Hashes content fed in pieces and checks it against an expected digest and,
 * optionally, an expected size. The expected digest is validated up front, so
 * an unknown algorithm fails before any byte is read.
 */
export class DigestVerifier {
  readonly expected: string;
  readonly expectedSize: number | undefined;
  readonly what: string;
  private readonly hash: Hash;
  private readonly algorithm: DigestAlgorithm;
  private bytes = 0;

  constructor(expected: string, what: string, expectedSize?: number) {
    this.algorithm = parseDigest(expected).algorithm;
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.what = what;
    this.hash = createHash(this.algorithm);
  }

  /** Number of bytes fed so far. */
  get size(): number {
    return this.bytes;
  }

  /** Feeds `chunk`; throws {@link SizeMismatchError} as soon as the content outgrows the expected size. */
  update(chunk: Uint8Array): void {
    this.bytes += chunk.byteLength;
    if (this.expectedSize !== undefined && this.bytes > this.expectedSize) {
      throw new SizeMismatchError(this.expectedSize, this.bytes, this.what);
    }
    this.hash.update(chunk);
  }

  /** Ends hashing and throws {@link SizeMismatchError} or {@link DigestMismatchError} unless the content matches. */
  verify(): void {
    if (this.expectedSize !== undefined && this.bytes !== this.expectedSize) {
      throw new SizeMismatchError(this.expectedSize, this.bytes, this.what);
    }
    const actual = `${this.algorithm}:${this.hash.digest('hex')}`;
    if (actual !== this.expected) {
      throw new DigestMismatchError(this.expected, actual, this.what);
    }
  }
}

/**
 * Creates a pass-through stream that verifies what flows through it. A
 * mismatch makes the stream fail at its end (or as soon as the content
 * outgrows `expectedSize`), so a consumer that reads to the end never takes
 * unverified content for good.
 */
export function createVerifyingStream(expected: string, what: string, expectedSize?: number): Transform {
  const verifier = new DigestVerifier(expected, what, expectedSize);
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        verifier.update(chunk);
        callback(null, chunk);
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        verifier.verify();
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

/** Quotes a value for a message, shortened so a huge input cannot flood a log line. */
function quote(value: string): string {
  const shortened = value.length > 150 ? `${value.slice(0, 150)}…` : value;
  return JSON.stringify(shortened);
}
