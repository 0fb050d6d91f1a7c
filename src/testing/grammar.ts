import { createHash, type Hash } from 'node:crypto';
import { isValidTag } from '../registry/wire.js';

/**
 * Repository name grammar of distribution-spec v1.1.0 ("Pulling manifests"):
 * path components of lower-case letters and digits, joined by `.`, `_`, `__`
 * or dashes, separated by `/`.
 */
const REPOSITORY_NAME_PATTERN = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

/**
 * Maximum length of a repository name. CNCF Distribution rejects longer names
 * with NAME_INVALID, because clients limit `host/name` to 255 characters.
 */
const MAX_REPOSITORY_NAME_LENGTH = 255;

/**
 * Digests the registry accepts: the two registered algorithms of image-spec
 * v1.1.0 (descriptor.md), with lower-case hex of the exact length.
 */
const DIGEST_PATTERN = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** Digest algorithms the registry computes. */
export type DigestAlgorithm = 'sha256' | 'sha512';

/** Returns true when `name` is a valid repository name. */
export function isValidRepositoryName(name: string): boolean {
  return name.length <= MAX_REPOSITORY_NAME_LENGTH && REPOSITORY_NAME_PATTERN.test(name);
}

/** Returns true when `digest` is a `sha256:` or `sha512:` digest in canonical form. */
export function isValidDigest(digest: string): boolean {
  return DIGEST_PATTERN.test(digest);
}

/** Returns the algorithm of a digest that {@link isValidDigest} accepted. */
export function algorithmOf(digest: string): DigestAlgorithm {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

/** Computes the `algorithm:hex` digest of `chunks`. */
export function digestOf(chunks: readonly Uint8Array[], algorithm: DigestAlgorithm = 'sha256'): string {
  const hash = createHash(algorithm);
  for (const chunk of chunks) {
    hash.update(chunk);
  }
  return `${algorithm}:${hash.digest('hex')}`;
}

/** A manifest reference from a URL path: a tag or a digest. */
export type ManifestReference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: string };

/**
 * Parses the `<reference>` of `/v2/<name>/manifests/<reference>`. A reference
 * with a colon must be a valid digest, anything else a valid tag. An invalid
 * reference returns kind `invalid` with the grammar it failed.
 */
export function parseManifestReference(
  reference: string,
): ManifestReference | { kind: 'invalid'; expected: 'tag' | 'digest' } {
  if (reference.includes(':')) {
    return isValidDigest(reference) ? { kind: 'digest', digest: reference } : { kind: 'invalid', expected: 'digest' };
  }
  return isValidTag(reference) ? { kind: 'tag', tag: reference } : { kind: 'invalid', expected: 'tag' };
}

/**
 * A sha256 digest computed over chunks as they arrive, so an upload never has
 * to be read twice for the common algorithm.
 */
export class IncrementalDigest {
  private readonly hash: Hash = createHash('sha256');

  /** Adds `chunk` to the digest. */
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }

  /** Returns the sha256 digest of everything added so far, leaving the state open for more chunks. */
  current(): string {
    return `sha256:${this.hash.copy().digest('hex')}`;
  }
}
