/**
 * The resolver: rolling references to the digest they point to now and the
 * immutable tag with that digest, with as few requests as the scheme allows.
 */
import { ConcurrencyLimit, DEFAULT_CONCURRENCY } from '../release/concurrency.js';
import { ReleaseOptionsError } from '../release/errors.js';
import type { ImageReference, ManifestDescriptor, RepositoryName } from '../release/ports.js';
import { formatPlatform, parsePlatform, type PlatformRequest } from '../registry/platform.js';
import { formatReference, formatRepository, toReference } from '../registry/reference.js';
import type { TagPolicy, TagPolicyInput } from '../scheme/policy.js';
import { BuildIndex } from '../scheme/build-index.js';
import { parseTag, type RollingTag } from '../scheme/tag.js';
import { candidatesFor, resolvePolicy } from './candidates.js';
import { ReferenceNotFoundError } from './errors.js';
import type { PlatformManifest, ResolveRegistry } from './ports.js';

/** Kind of a reference: a rolling tag, an immutable tag, a digest, or a tag outside the scheme. */
export type ReferenceKind = 'rolling' | 'immutable' | 'digest' | 'foreign';

/** A resolved reference. */
export interface ResolvedReference {
  /** The reference as given. */
  reference: string;
  kind: ReferenceKind;
  /** Digest the reference points to now. */
  digest: string;
  mediaType: string;
  /**
   * Immutable tags with that digest: the tag itself for an immutable
   * reference, the newest matching member of the scope for a rolling tag,
   * and, for a digest with `findDigestTags`, every immutable tag of the
   * repository with that digest, newest first. Empty for a digest without
   * `findDigestTags`, a foreign tag, or a rolling tag without a twin.
   */
  immutableTags: string[];
  /** Explanation of an empty `immutableTags` for a rolling or foreign tag, or a digest searched with `findDigestTags`. */
  warning?: string;
  /** The manifest of the requested platform, when one was requested. */
  platform?: { platform: string; digest: string; mediaType: string };
}

/** Options of a {@link Resolver}. */
export interface ResolverOptions {
  registry: ResolveRegistry;
  /**
   * The repositories' tag policy. Without one, resolve uses every rolling
   * level and, for tags without a distro, every published distro.
   */
  policy?: TagPolicyInput;
  /** Maximum registry requests in flight across every call of this resolver; default 8. */
  concurrency?: number;
}

/** Options of one {@link Resolver.resolve} call. */
export interface ResolveOptions {
  /** Also resolve the manifest of this platform (`linux/arm64` or a parsed request). */
  platform?: string | PlatformRequest;
  /**
   * For a digest reference, list the immutable tags with that digest. The
   * tag list does not carry digests, so this costs one tag list and one HEAD
   * per immutable tag of the repository that this resolver has not read yet.
   * Rolling and foreign tags are not read. Default false.
   */
  findDigestTags?: boolean;
}

/** Counts of the registry requests a resolver sent, for callers that watch their request budget. */
export interface ResolverRequestCounts {
  listTags: number;
  headManifest: number;
  resolvePlatform: number;
}

/**
 * Resolves references with two caches shared by every call: the tag list of
 * each repository, and the descriptor of each tag and digest. A resolver is a
 * snapshot: create a new one to see tags that moved after its first read.
 */
export class Resolver {
  /** Requests sent so far. */
  readonly requests: ResolverRequestCounts = { listTags: 0, headManifest: 0, resolvePlatform: 0 };
  private readonly registry: ResolveRegistry;
  private readonly policy: TagPolicy;
  private readonly limit: ConcurrencyLimit;
  private readonly tagLists = new Map<string, Promise<string[]>>();
  /**
   * Parsed immutable tags per repository, grouped by scope fields: parsing and
   * scanning a long tag list once per rolling tag dominated resolve's CPU time.
   */
  private readonly builds = new Map<string, Promise<BuildIndex>>();
  private readonly descriptors = new Map<string, Promise<ManifestDescriptor | undefined>>();
  private readonly platforms = new Map<string, Promise<PlatformManifest>>();

  /**
   * @throws TagPolicyError when `options.policy` is invalid.
   * @throws ReleaseOptionsError when `options.concurrency` is not a whole number from 1.
   */
  constructor(options: ResolverOptions) {
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new ReleaseOptionsError('concurrency', `${concurrency}; expected a whole number from 1`);
    }
    this.registry = options.registry;
    this.policy = resolvePolicy(options.policy);
    this.limit = new ConcurrencyLimit(concurrency);
  }

  /**
   * Resolves one reference. A rolling tag is read with HEAD, then the
   * immutable tags of its scope are read newest first until one has the same
   * digest. The first round reads the newest alone, because it is nearly
   * always the match, or the newest of each distro when the default distro
   * is unknown. Later rounds read batches of the concurrency limit.
   *
   * @throws InvalidReferenceError or InvalidPlatformError for bad input.
   * @throws ReferenceNotFoundError when the reference names no manifest.
   * @throws PlatformNotFoundError when the image lacks the requested platform.
   */
  async resolve(input: string | ImageReference, options: ResolveOptions = {}): Promise<ResolvedReference> {
    const reference = toReference(input);
    const shown = typeof input === 'string' ? input : formatReference(reference);
    const platform = typeof options.platform === 'string' ? parsePlatform(options.platform) : options.platform;

    const resolved = await this.resolveDigest(reference, shown, options.findDigestTags === true);
    if (platform === undefined) {
      return resolved;
    }
    const manifest = await this.platformManifest({ ...repositoryOf(reference), digest: resolved.digest }, platform);
    return {
      ...resolved,
      platform: { platform: formatPlatform(manifest.platform), digest: manifest.digest, mediaType: manifest.mediaType },
    };
  }

  /** Resolves every reference, concurrently within the resolver's request limit, in input order. */
  resolveAll(inputs: ReadonlyArray<string | ImageReference>, options: ResolveOptions = {}): Promise<ResolvedReference[]> {
    return Promise.all(inputs.map((input) => this.resolve(input, options)));
  }

  /** Returns every tag of `repository`, listing it once per resolver. */
  tags(repository: RepositoryName): Promise<string[]> {
    const key = formatRepository(repository);
    let list = this.tagLists.get(key);
    if (list === undefined) {
      list = this.limit.run(() => {
        this.requests.listTags += 1;
        return this.registry.listTags(repositoryOf(repository));
      });
      this.tagLists.set(key, list);
    }
    return list;
  }

  /** Returns the immutable tags of `repository`, parsed and indexed once per resolver. */
  private immutableTags(repository: RepositoryName): Promise<BuildIndex> {
    const key = formatRepository(repository);
    let builds = this.builds.get(key);
    if (builds === undefined) {
      builds = this.tags(repository).then((tags) => new BuildIndex(tags));
      this.builds.set(key, builds);
    }
    return builds;
  }

  /** Returns the descriptor `reference` points to, or undefined when absent; each reference is read once per resolver. */
  descriptor(reference: ImageReference): Promise<ManifestDescriptor | undefined> {
    const key = formatReference(reference);
    let descriptor = this.descriptors.get(key);
    if (descriptor === undefined) {
      descriptor = this.limit.run(() => {
        this.requests.headManifest += 1;
        return this.registry.headManifest(reference);
      });
      this.descriptors.set(key, descriptor);
    }
    return descriptor;
  }

  private platformManifest(reference: ImageReference, platform: PlatformRequest): Promise<PlatformManifest> {
    const key = `${formatReference(reference)} ${formatPlatform(platform)}`;
    let manifest = this.platforms.get(key);
    if (manifest === undefined) {
      manifest = this.limit.run(() => {
        this.requests.resolvePlatform += 1;
        return this.registry.resolvePlatform(reference, platform);
      });
      this.platforms.set(key, manifest);
    }
    return manifest;
  }

  private async resolveDigest(reference: ImageReference, shown: string, findDigestTags: boolean): Promise<ResolvedReference> {
    if (reference.digest !== undefined) {
      // A digest wins over a tag given with it, as it does for `docker pull`.
      const descriptor = await this.require({ ...repositoryOf(reference), digest: reference.digest }, shown);
      const result: ResolvedReference = {
        reference: shown,
        kind: 'digest',
        digest: descriptor.digest,
        mediaType: descriptor.mediaType,
        immutableTags: [],
      };
      if (findDigestTags) {
        const { matches, read } = await this.immutableTagsWithDigest(reference, descriptor.digest);
        result.immutableTags = matches;
        if (matches.length === 0) {
          const searched =
            read === 0
              ? `${formatRepository(reference)} has no immutable tags`
              : `none of the ${read} immutable tags of ${formatRepository(reference)} points to ${descriptor.digest}`;
          result.warning = `${searched}; the digest may be a platform manifest of an index, or an image released without the tag scheme`;
        }
      }
      return result;
    }

    const tag = reference.tag ?? 'latest';
    const parsed = parseTag(tag);
    if (parsed.kind === 'immutable') {
      const descriptor = await this.require(reference, shown);
      return { reference: shown, kind: 'immutable', digest: descriptor.digest, mediaType: descriptor.mediaType, immutableTags: [tag] };
    }
    if (parsed.kind === 'foreign') {
      const descriptor = await this.require(reference, shown);
      return {
        reference: shown,
        kind: 'foreign',
        digest: descriptor.digest,
        mediaType: descriptor.mediaType,
        immutableTags: [],
        warning: `${tag} is not a tag of the scheme (${parsed.reason}), so no immutable tag was looked up`,
      };
    }
    return this.resolveRolling({ ...repositoryOf(reference), tag }, parsed, shown);
  }

  private async resolveRolling(reference: ImageReference, tag: RollingTag, shown: string): Promise<ResolvedReference> {
    const [descriptor, builds] = await Promise.all([this.require(reference, shown), this.immutableTags(reference)]);
    const { tags: candidates, firstRound } = candidatesFor(tag, builds, this.policy);
    const twin = await this.findTwin(reference, candidates, firstRound, descriptor.digest);
    const result: ResolvedReference = {
      reference: shown,
      kind: 'rolling',
      digest: descriptor.digest,
      mediaType: descriptor.mediaType,
      immutableTags: twin === undefined ? [] : [twin],
    };
    if (twin === undefined) {
      result.warning =
        candidates.length === 0
          ? `${shown} has no immutable tag in its scope; it points to ${descriptor.digest}, which has no immutable name`
          : `${shown} points to ${descriptor.digest}, but none of the ${candidates.length} immutable tags of its scope does ` +
            `(newest: ${candidates[0]}); the tag was moved by hand, or the repository follows another tag policy`;
    }
    return result;
  }

  /**
   * Returns every immutable tag of the repository whose digest is `digest`,
   * newest first by the scheme's order, and how many immutable tags exist.
   * Each tag is read with one HEAD through the resolver's cache and limit.
   */
  private async immutableTagsWithDigest(repository: RepositoryName, digest: string): Promise<{ matches: string[]; read: number }> {
    const tags = (await this.immutableTags(repository)).builds;
    const descriptors = await Promise.all(tags.map(({ tag }) => this.descriptor({ ...repositoryOf(repository), tag })));
    const matches = tags.filter((_tag, index) => descriptors[index]?.digest === digest).map(({ tag }) => tag);
    return { matches, read: tags.length };
  }

  /** Returns the first candidate, in the given order, whose digest is `digest`. */
  private async findTwin(
    repository: RepositoryName,
    candidates: readonly string[],
    firstRound: number,
    digest: string,
  ): Promise<string | undefined> {
    let start = 0;
    let batch = Math.min(firstRound, this.limit.limit);
    while (start < candidates.length) {
      const slice = candidates.slice(start, start + batch);
      const descriptors = await Promise.all(slice.map((tag) => this.descriptor({ ...repositoryOf(repository), tag })));
      const match = slice.find((_tag, index) => descriptors[index]?.digest === digest);
      if (match !== undefined) {
        return match;
      }
      start += slice.length;
      batch = this.limit.limit;
    }
    return undefined;
  }

  private async require(reference: ImageReference, shown: string): Promise<ManifestDescriptor> {
    const descriptor = await this.descriptor(reference);
    if (descriptor === undefined) {
      throw new ReferenceNotFoundError(shown);
    }
    return descriptor;
  }
}

function repositoryOf(reference: RepositoryName): RepositoryName {
  return { registry: reference.registry, repository: reference.repository };
}
