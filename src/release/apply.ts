/**
 * Applies a release plan with the safety rules of the tag scheme:
 *
 * 1. the image is copied into the target repository (when it is not there);
 * 2. the release gate runs, before any tag is written;
 * 3. the immutable tag is checked right before the write and read back with
 *    the check of the first rolling tag, so another image under the same
 *    immutable tag stops the release before any rolling tag moves;
 * 4. each rolling tag is checked against the digest the plan expected, and
 *    the immutable tag against the image, then the rolling tag is written,
 *    from the narrowest level to `latest`;
 * 5. every tag is read back and compared with the image's digest.
 *
 * A racing publish may overwrite the immutable tag after this run wrote
 * rolling tags. This run then moves those tags to the image the immutable tag
 * now points to before it stops, so no rolling tag is left on an image
 * without an immutable tag.
 *
 * Each write is skipped when the tag already points to the image, which makes
 * a second run after a crash or a failed request finish the job.
 */
import { DigestMismatchError } from '../registry/errors.js';
import { mapWithConcurrency, DEFAULT_CONCURRENCY } from './concurrency.js';
import {
  ReleaseConflictError,
  RollingTagChangedError,
  TagReadBackError,
  type TagState,
} from './errors.js';
import { planToJson, writesOf, type ReleasePlan, type TagOperation } from './plan.js';
import { repairRollingTags } from './race-repair.js';
import {
  digestReference,
  formatImageReference,
  formatRepository,
  tagReference,
  type CopyResult,
  type FetchedManifest,
  type ImageReference,
  type ReleaseRegistry,
} from './ports.js';
import { runVerifyCommand, type VerifyCommand, type VerifyGateContext } from './verify-gate.js';

/** A release gate: a shell command, or a function that throws to block the release. */
export type VerifyGate = VerifyCommand | ((context: VerifyGateContext) => Promise<void> | void);

/** Progress of an apply, for output as it happens. */
export type PublishEvent =
  | { type: 'planned'; plan: ReleasePlan }
  | { type: 'copy-started'; source: string; target: string }
  | { type: 'copy-finished'; result: CopyResult }
  | { type: 'verify-started'; command: string }
  | { type: 'verify-passed' }
  | { type: 'tag-written'; tag: string; from: string | undefined; to: string }
  | { type: 'tag-already-set'; tag: string; digest: string }
  | { type: 'read-back-passed'; tags: string[] };

/** Options of {@link applyPlan}. */
export interface ApplyOptions {
  verify?: VerifyGate;
  onEvent?: (event: PublishEvent) => void;
  /** Maximum HEAD requests in flight while reading tags back; default 8. */
  concurrency?: number;
}

/** Outcome of an apply: the copy and the tags written. */
export interface ApplyResult {
  /** The copy into the target repository, when one was needed. */
  copy: CopyResult | undefined;
  /** Tags this run wrote, in write order. */
  written: string[];
  /** Tags the plan would write that already pointed to the image (a resumed run). */
  alreadySet: string[];
}

/**
 * Applies `plan` to the registry.
 *
 * @throws ReleaseConflictError when the immutable tag points to another image
 *   before or after the write. Rolling tags this run had written are first
 *   moved to the image the immutable tag points to (see its `repairs`).
 * @throws RollingTagChangedError when a rolling tag changed since planning;
 *   nothing more is written, even when the immutable tag points to this run's image.
 * @throws TagReadBackError when a tag does not read back as written.
 * @throws VerifyFailedError when the release gate fails; no tag was written.
 */
export async function applyPlan(registry: ReleaseRegistry, plan: ReleasePlan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const emit = options.onEvent ?? (() => undefined);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const repository = formatRepository(plan.target);
  const written: string[] = [];
  const alreadySet: string[] = [];

  // While the copy runs, the manifest bytes for the tag writes are read from the source by digest.
  // They are the same bytes in both repositories, because the client checks the digest.
  const manifestRead = registry.getManifest(manifestSource(plan));
  manifestRead.catch(() => undefined);
  const copy = plan.copy ? await copyIntoTarget(registry, plan, emit) : undefined;
  const manifest = await manifestRead;

  if (options.verify !== undefined) {
    await runGate(options.verify, plan, emit);
  }

  const immutable = plan.operations[0] as TagOperation;
  const rolling = writesOf(plan).filter((operation) => operation.role === 'rolling');
  const immutableNow = await currentDigest(registry, plan, immutable.tag);
  if (immutableNow === plan.digest) {
    alreadySet.push(immutable.tag);
    emit({ type: 'tag-already-set', tag: immutable.tag, digest: plan.digest });
  } else if (immutableNow !== undefined) {
    throw await conflict(registry, plan, immutableNow, written, 'before-write', concurrency);
  } else {
    await writeTag(registry, plan, manifest, immutable.tag);
    written.push(immutable.tag);
    emit({ type: 'tag-written', tag: immutable.tag, from: undefined, to: plan.digest });
    // The read-back of the immutable tag is the check of the first rolling tag, or the final read-back.
  }

  for (const operation of rolling) {
    // The immutable tag is read again with each rolling tag, so a racing publish that overwrote it
    // stops this run before it points a rolling tag at an image without an immutable name.
    const [immutableDigest, now] = await Promise.all([
      currentDigest(registry, plan, immutable.tag),
      currentDigest(registry, plan, operation.tag),
    ]);
    if (immutableDigest !== plan.digest) {
      throw await conflict(registry, plan, immutableDigest ?? 'no manifest', written, 'after-write', concurrency);
    }
    if (now === plan.digest) {
      alreadySet.push(operation.tag);
      emit({ type: 'tag-already-set', tag: operation.tag, digest: plan.digest });
      continue;
    }
    if (now !== operation.from) {
      // The digest alone does not tell a newer release from a racing publish that lost the immutable
      // tag, so moving the tag on could move it backwards. The loser moves its own tags (see repairRollingTags).
      // TODO: when this run's immutable write replaced that of a publish that had already finished, no run
      // moves that publish's rolling tags, which stay on an image without an immutable tag.
      const state = await readState(registry, plan, concurrency);
      throw new RollingTagChangedError(repository, operation.tag, operation.from, now, state, written);
    }
    // NOTE: the distribution API has no conditional PUT. A writer that moves this tag between the reads
    // above and this write is overwritten unnoticed. One that overwrites the immutable tag in that window
    // is found by the next check or the read-back, and this run then moves the tag to its image.
    // The reads wait for the previous write, because Distribution 2.8 can return HTTP 500 for a HEAD
    // of a tag whose manifest is being put under another tag at that moment.
    await writeTag(registry, plan, manifest, operation.tag);
    written.push(operation.tag);
    emit({ type: 'tag-written', tag: operation.tag, from: operation.from, to: plan.digest });
  }

  await readBackAll(registry, plan, concurrency, written);
  emit({ type: 'read-back-passed', tags: tagsToReadBack(plan) });
  return { copy, written, alreadySet };
}

async function copyIntoTarget(
  registry: ReleaseRegistry,
  plan: ReleasePlan,
  emit: (event: PublishEvent) => void,
): Promise<CopyResult> {
  emit({ type: 'copy-started', source: formatImageReference(plan.sourceReference), target: formatRepository(plan.target) });
  const result = await registry.copyImage(plan.sourceReference, plan.target);
  if (result.digest !== plan.digest) {
    throw new DigestMismatchError(plan.digest, result.digest, `the copy of ${plan.source} into ${formatRepository(plan.target)}`);
  }
  emit({ type: 'copy-finished', result });
  return result;
}

async function runGate(gate: VerifyGate, plan: ReleasePlan, emit: (event: PublishEvent) => void): Promise<void> {
  const context: VerifyGateContext = {
    digest: plan.digest,
    reference: formatImageReference(digestReference(plan.target, plan.digest)),
    immutableTag: plan.immutable,
    planJson: JSON.stringify(planToJson(plan)),
  };
  emit({ type: 'verify-started', command: typeof gate === 'function' ? 'function' : gate.command });
  if (typeof gate === 'function') {
    await gate(context);
  } else {
    await runVerifyCommand(gate, context);
  }
  emit({ type: 'verify-passed' });
}

/**
 * Returns where the manifest bytes are read: the source while the plan copies
 * the image, so the read need not wait for the copy, else the target, which
 * already has the image.
 */
function manifestSource(plan: ReleasePlan): ImageReference {
  return plan.copy && plan.sourceReference.digest === plan.digest ? plan.sourceReference : digestReference(plan.target, plan.digest);
}

async function currentDigest(registry: ReleaseRegistry, plan: ReleasePlan, tag: string): Promise<string | undefined> {
  const descriptor = await registry.headManifest(tagReference(plan.target, tag));
  return descriptor?.digest;
}

async function writeTag(registry: ReleaseRegistry, plan: ReleasePlan, manifest: FetchedManifest, tag: string): Promise<void> {
  const stored = await registry.putManifest(tagReference(plan.target, tag), manifest.bytes, manifest.descriptor.mediaType);
  if (stored !== plan.digest) {
    throw new DigestMismatchError(plan.digest, stored, `the manifest put under ${formatRepository(plan.target)}:${tag}`);
  }
}

/** Tags that must point to the image after the apply: the immutable tag and every rolling tag the plan does not skip. */
function tagsToReadBack(plan: ReleasePlan): string[] {
  return plan.operations.filter((operation) => operation.action !== 'skip').map((operation) => operation.tag);
}

async function readBackAll(registry: ReleaseRegistry, plan: ReleasePlan, concurrency: number, written: string[]): Promise<void> {
  const tags = tagsToReadBack(plan);
  const digests = await mapWithConcurrency(tags, concurrency, (tag) => currentDigest(registry, plan, tag));
  for (const [index, tag] of tags.entries()) {
    const digest = digests[index];
    if (digest === plan.digest) {
      continue;
    }
    if (tag === plan.immutable) {
      throw await conflict(registry, plan, digest ?? 'no manifest', written, 'after-write', concurrency);
    }
    throw new TagReadBackError(formatRepository(plan.target), tag, plan.digest, digest);
  }
}

async function conflict(
  registry: ReleaseRegistry,
  plan: ReleasePlan,
  actual: string,
  written: string[],
  phase: 'before-write' | 'after-write',
  concurrency: number,
): Promise<ReleaseConflictError> {
  const repairs = await repairRollingTags(registry, plan, written.filter((tag) => tag !== plan.immutable));
  const state = await readState(registry, plan, concurrency);
  const revisionGiven = plan.revisionChoice.kind === 'explicit';
  return new ReleaseConflictError(formatRepository(plan.target), plan.immutable, plan.digest, actual, state, [...written], phase, repairs, revisionGiven);
}

/** Reads where every tag of the plan points, for an error message; a tag that cannot be read is marked, not fatal. */
async function readState(registry: ReleaseRegistry, plan: ReleasePlan, concurrency: number): Promise<TagState[]> {
  const tags = tagsToReadBack(plan);
  return mapWithConcurrency(tags, concurrency, async (tag): Promise<TagState> => {
    try {
      return { tag, digest: await currentDigest(registry, plan, tag) };
    } catch {
      return { tag, digest: undefined, unreadable: true };
    }
  });
}
