/**
 * `publish`: releases an image under its immutable tag and the rolling tags
 * the policy gives it. It reads the registry, builds a plan, and applies it
 * (see `apply.ts` for the order of writes and the safety checks).
 *
 * Requests, in order:
 * 1. HEAD the source;
 * 2. list the target's tags once, which also settles the default distro
 *    when neither the options nor the policy name one;
 * 3. HEAD the newest revision's immutable tag (`auto` revisions only);
 * 4. HEAD the immutable tag and the rolling tags that move, concurrently;
 * 5. HEAD the image in the target, unless a tag already points to it.
 *
 * Then, unless it is a dry run or nothing changes, copy, gate, write and read
 * back.
 */
import type { RegistryClient } from '../registry/client.js';
import { formatReference, toReference, toRepository } from '../registry/reference.js';
import type { TransportOptions } from '../registry/transport/index.js';
import { checkDistro } from '../scheme/distro.js';
import type { TagPolicyInput } from '../scheme/policy.js';
import { newestRevision } from '../scheme/revision.js';
import { computeTagSet } from '../scheme/tag-set.js';
import { formatTag } from '../scheme/tag-format.js';
import { parseVersion } from '../scheme/version.js';
import { applyPlan, type ApplyResult, type PublishEvent, type VerifyGate } from './apply.js';
import { connectRegistry } from './client-registry.js';
import { DEFAULT_CONCURRENCY, mapWithConcurrency } from './concurrency.js';
import { ReleaseOptionsError, SourceNotFoundError } from './errors.js';
import { buildPlan, isNoOp, type ReleasePlan, type RollingDecision } from './plan.js';
import { applyDefaultDistro, loadPolicy } from './policy.js';
import { digestReference, formatRepository, tagReference, type ImageReference, type ReleaseRegistry, type RepositoryName } from './ports.js';
import { chooseRevision } from './revision.js';

/** Options of {@link publish}. */
export interface PublishOptions {
  /** The image to release: any reference by tag or digest, in any repository or registry. */
  source: string | ImageReference;
  /** The repository the release is tagged in, such as `ghcr.io/acme/etcd`. */
  target: string | RepositoryName;
  /** Upstream version, such as `3.5.10` or `17.0.9+9`. */
  version: string;
  /** Distro of the build, such as `debian-12`. */
  distro: string;
  /** `auto` (default): the next revision, or the newest when the source already is it; or a given revision. */
  revision?: 'auto' | number;
  /** Tag policy fields; they override those of `policyFile`. */
  policy?: TagPolicyInput;
  /** A JSON or YAML tag policy file. */
  policyFile?: string;
  /**
   * The distro that tags without a distro stand for. Default: the policy's,
   * else `distro` when the target has no immutable tag on another distro.
   */
  defaultDistro?: string;
  /** Builds and returns the plan without copying or writing anything. */
  dryRun?: boolean;
  /** Keeps the newest revision when the source differs from it only in build timestamps. */
  skipIfUnchanged?: boolean;
  /** A release gate run after the copy and before any tag write. */
  verify?: VerifyGate;
  /** Maximum registry requests in flight while reading tags; default 8. */
  concurrency?: number;
  /** Receives the plan and the progress of the apply. */
  onEvent?: (event: PublishEvent) => void;
  /** The registry port to use; by default one over `client`, or over a client built from `transport`. */
  registry?: ReleaseRegistry;
  client?: RegistryClient;
  transport?: TransportOptions;
}

/**
 * Outcome of a publish:
 * - `planned`: a dry run, nothing changed;
 * - `up-to-date`: every tag already pointed where the plan wants it;
 * - `unchanged`: `skipIfUnchanged` kept the newest revision (tags it lacked were still written);
 * - `published`: the image was copied or tags were written.
 */
export type PublishOutcome = 'planned' | 'up-to-date' | 'unchanged' | 'published';

/** The result of {@link publish}. */
export interface PublishResult {
  outcome: PublishOutcome;
  plan: ReleasePlan;
  /** Digest the release's tags point to. */
  digest: string;
  immutable: string;
  revision: number;
  /** Result of the apply; undefined for a dry run or a plan with nothing to do. */
  applied: ApplyResult | undefined;
}

/**
 * Publishes `options.source` into `options.target` under the tag scheme.
 *
 * @throws ReleaseOptionsError, InvalidReferenceError, InvalidVersionError,
 *   InvalidTagError or TagPolicyError for bad input, before any request.
 * @throws TagPolicyError when no default distro is given and the target has
 *   immutable tags on another distro than `distro`, before any write.
 * @throws SourceNotFoundError when the source has no manifest.
 * @throws ReleaseConflictError when the immutable tag holds another image.
 * @throws VerifyFailedError, RollingTagChangedError, TagReadBackError and
 *   registry errors as described in `applyPlan`.
 */
export async function publish(options: PublishOptions): Promise<PublishResult> {
  const request = await validate(options);
  const connection = options.registry === undefined ? connectRegistry(options.client, options.transport) : undefined;
  const registry = options.registry ?? (connection?.registry as ReleaseRegistry);
  try {
    const plan = await planRelease(registry, request);
    options.onEvent?.({ type: 'planned', plan });
    const result = { plan, digest: plan.digest, immutable: plan.immutable, revision: plan.revision };

    if (options.dryRun) {
      return { ...result, outcome: 'planned', applied: undefined };
    }
    const unchanged = plan.revisionChoice.kind === 'unchanged';
    if (isNoOp(plan)) {
      return { ...result, outcome: unchanged ? 'unchanged' : 'up-to-date', applied: undefined };
    }
    const applied = await applyPlan(registry, plan, {
      verify: options.verify,
      onEvent: options.onEvent,
      concurrency: request.concurrency,
    });
    return { ...result, outcome: unchanged ? 'unchanged' : 'published', applied };
  } finally {
    await connection?.close();
  }
}

/** Validated options of a publish. */
interface PublishRequest {
  sourceText: string;
  source: ImageReference;
  target: RepositoryName;
  version: ReturnType<typeof parseVersion>;
  distro: string;
  revision: 'auto' | number;
  policy: Awaited<ReturnType<typeof loadPolicy>>;
  skipIfUnchanged: boolean;
  concurrency: number;
}

async function validate(options: PublishOptions): Promise<PublishRequest> {
  const source = toReference(options.source);
  const target = toRepository(options.target);
  const distro = checkDistro(options.distro);
  const policy = await loadPolicy(options);
  const version = parseVersion(options.version, { buildMetadata: policy.buildMetadata, versionPrefix: policy.versionPrefix });

  const revision = options.revision ?? 'auto';
  if (revision !== 'auto' && !(Number.isSafeInteger(revision) && revision >= 0)) {
    throw new ReleaseOptionsError('revision', `${JSON.stringify(revision)}; expected "auto" or a whole number from 0`);
  }
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new ReleaseOptionsError('concurrency', `${concurrency}; expected a whole number from 1`);
  }
  return {
    sourceText: formatReference(source),
    source,
    target: { registry: target.registry, repository: target.repository },
    version,
    distro,
    revision,
    policy,
    skipIfUnchanged: options.skipIfUnchanged ?? false,
    concurrency,
  };
}

/** Reads the registry and builds the plan of the release; writes nothing. */
async function planRelease(registry: ReleaseRegistry, request: PublishRequest): Promise<ReleasePlan> {
  // The source and the target's tag list are independent reads, so they share one round trip.
  const publishedRead = registry.listTags(request.target);
  publishedRead.catch(() => undefined);
  const sourceDescriptor = await registry.headManifest(request.source);
  if (sourceDescriptor === undefined) {
    throw new SourceNotFoundError(request.sourceText);
  }
  const sourceDigest = sourceDescriptor.digest;
  const pinnedSource: ImageReference = { registry: request.source.registry, repository: request.source.repository, digest: sourceDigest };
  const published = await publishedRead;
  const policy = applyDefaultDistro(request.policy, request.distro, published, formatRepository(request.target));

  // Each tag is read at most once while planning, whichever step reads it first.
  const reads = new Map<string, Promise<string | undefined>>();
  const digestOfTag = (tag: string): Promise<string | undefined> => {
    let read = reads.get(tag);
    if (read === undefined) {
      read = registry.headManifest(tagReference(request.target, tag)).then((descriptor) => descriptor?.digest);
      reads.set(tag, read);
    }
    return read;
  };

  const { version, distro } = request;
  const decision = await chooseRevision({
    registry,
    sourceText: request.sourceText,
    source: pinnedSource,
    sourceDigest,
    target: request.target,
    version: version.text,
    distro,
    revision: request.revision,
    newestRevision: newestRevision(published, version, distro),
    immutableTagOf: (revision) => formatTag({ kind: 'immutable', version, distro, revision }),
    digestOfTag,
    skipIfUnchanged: request.skipIfUnchanged,
  });

  const tagSet = computeTagSet({ version, distro, revision: decision.revision }, published, policy);
  const rolling: RollingDecision[] = tagSet.rolling.map((entry) =>
    entry.moves
      ? { tag: entry.tag, level: entry.level, moves: true }
      : { tag: entry.tag, level: entry.level, moves: false, reason: entry.reason },
  );

  const tagsToRead = [tagSet.immutable, ...tagSet.moves];
  // The HEAD of the image in the target goes out with the tag reads. That saves a round trip on a
  // first publish, and costs one extra HEAD when a tag already points to the image.
  const inTarget = decision.digest === sourceDigest ? registry.headManifest(digestReference(request.target, sourceDigest)) : undefined;
  inTarget?.catch(() => undefined);
  const digests = await mapWithConcurrency(tagsToRead, request.concurrency, digestOfTag);
  const current = new Map(tagsToRead.map((tag, index) => [tag, digests[index]]));

  const copy = inTarget !== undefined && !digests.includes(sourceDigest) && (await inTarget) === undefined;
  const mediaType = decision.digest === sourceDigest ? sourceDescriptor.mediaType : await mediaTypeOf(registry, request.target, decision.digest);

  return buildPlan({
    source: request.sourceText,
    sourceReference: pinnedSource,
    target: request.target,
    digest: decision.digest,
    mediaType,
    version: version.text,
    distro,
    revision: decision.revision,
    immutable: tagSet.immutable,
    revisionChoice: decision.choice,
    rolling,
    current,
    copy,
  });
}

async function mediaTypeOf(registry: ReleaseRegistry, target: RepositoryName, digest: string): Promise<string> {
  const descriptor = await registry.headManifest(digestReference(target, digest));
  if (descriptor === undefined) {
    throw new SourceNotFoundError(`${target.registry}/${target.repository}@${digest}`);
  }
  return descriptor.mediaType;
}
