import { createHash } from 'node:crypto';
import { parseReference } from '../../../src/registry/reference.js';
import type { ImageResolveOptions, ImageResolver, ResolvedImage } from '../../../src/helm/ports.js';

/** Tags of one repository: tag → digest. */
export type FakeRepository = Record<string, string>;

/** A registry for the fake: `registry/repository` (normalised) → tags. */
export type FakeRegistry = Record<string, FakeRepository>;

/** The error the fake throws for an unknown repository or tag, shaped like the registry client's. */
export class FakeNotFoundError extends Error {
  readonly code = 'MANIFEST_UNKNOWN';
  override readonly name = 'NotFoundError';
}

const IMMUTABLE = /-r(\d+)$/;

/**
 * An in-process {@link ImageResolver} over a table of tags. A tag ending in
 * `-rN` is immutable; the immutable tags of a digest are listed newest
 * (highest N) first. Every call is recorded, so tests can count them.
 */
export class FakeResolver implements ImageResolver {
  readonly calls: Array<{ reference: string; options: ImageResolveOptions | undefined }> = [];

  constructor(
    private readonly registry: FakeRegistry,
    private readonly platformDigests: Record<string, string> = {},
  ) {}

  async resolve(reference: string, options?: ImageResolveOptions): Promise<ResolvedImage> {
    this.calls.push({ reference, options });
    await Promise.resolve();
    const parsed = parseReference(reference);
    const name = `${parsed.registry}/${parsed.repository}`;
    const tags = this.registry[name];
    if (tags === undefined) {
      throw new FakeNotFoundError(`${reference} not found: repository ${name} does not exist`);
    }

    let digest: string;
    if (parsed.tag !== undefined) {
      const found = tags[parsed.tag];
      if (found === undefined) {
        throw new FakeNotFoundError(`${reference} not found: no tag ${parsed.tag} in ${name}`);
      }
      digest = found;
    } else {
      digest = parsed.digest as string;
      if (!Object.values(tags).includes(digest)) {
        throw new FakeNotFoundError(`${reference} not found: no manifest ${digest} in ${name}`);
      }
    }

    const immutableTags = Object.entries(tags)
      .filter(([tag, tagDigest]) => tagDigest === digest && IMMUTABLE.test(tag))
      .map(([tag]) => tag)
      .sort((a, b) => revision(b) - revision(a));
    const pinnedDigest = options?.platform ? (this.platformDigests[`${digest}|${options.platform.os}/${options.platform.architecture}`] ?? digest) : digest;
    return { reference, digest: pinnedDigest, immutableTags };
  }

  /** Returns how many times `reference` was resolved. */
  count(reference: string): number {
    return this.calls.filter((call) => call.reference === reference).length;
  }
}

function revision(tag: string): number {
  return Number(IMMUTABLE.exec(tag)?.[1] ?? -1);
}

/** Returns the sha256 digest of `label`, a stable stand-in for a manifest digest in fixtures. */
export function fakeDigest(label: string): string {
  return `sha256:${createHash('sha256').update(label).digest('hex')}`;
}
