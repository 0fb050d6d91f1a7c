/**
 * The release plan: data that records, for each tag of a release, what
 * applying it will do and why. Building a plan reads and writes nothing,
 * because the caller passes the registry's state in. So dry runs, audits and
 * tests see exactly what a real run would do.
 */
import { ReleaseConflictError } from './errors.js';
import { formatRepository, type ImageReference, type RepositoryName } from './ports.js';

/** Action that applying a plan takes on one tag. */
export type TagAction = 'create' | 'move' | 'unchanged' | 'skip';

/** One tag of a release and the action planned for it. */
export interface TagOperation {
  tag: string;
  /** `immutable` for the `<version>-<distro>-r<N>` tag, `rolling` for the others. */
  role: 'immutable' | 'rolling';
  /** Rolling level of the policy (`latest`, `major`, `version-distro`, ...); undefined for the immutable tag. */
  level: string | undefined;
  action: TagAction;
  /** Digest the tag points to before the release, undefined when it is absent or was not read (a skipped tag). */
  from: string | undefined;
  /** Digest the tag points to after the release, undefined for a skipped tag. */
  to: string | undefined;
  /** Why this action: for a skipped tag, the rule that keeps it where it is. */
  reason: string;
}

/** Reason the release got its revision number. */
export type RevisionChoice =
  /** One more than the newest published revision of this version and distro, or 0. */
  | { kind: 'new'; reason: string }
  /** The source already is the newest revision: a re-run or a resumed run. */
  | { kind: 'reused'; reason: string }
  /** The caller gave the revision. */
  | { kind: 'explicit'; reason: string }
  /** The source differs from the newest revision only in build timestamps, so that revision is kept. */
  | { kind: 'unchanged'; reason: string; sourceDigest: string };

/** A rolling tag of the release as the tag scheme decided it. */
export interface RollingDecision {
  tag: string;
  level: string;
  /** True when the tag should point to this release. */
  moves: boolean;
  /** Reason the tag does not move, when it does not. */
  reason?: string;
}

/** Everything a release plan is built from. */
export interface PlanInput {
  /** The source reference as given, for messages. */
  source: string;
  /** The source pinned to the digest it had when the plan was built, so a moved staging tag cannot change what is copied. */
  sourceReference: ImageReference;
  target: RepositoryName;
  /** Digest of the image the tags will point to. */
  digest: string;
  mediaType: string;
  version: string;
  distro: string;
  revision: number;
  immutable: string;
  revisionChoice: RevisionChoice;
  rolling: readonly RollingDecision[];
  /** Digest each tag of the release points to now; a missing entry or undefined means absent. */
  current: ReadonlyMap<string, string | undefined>;
  /** True when the image must be copied into the target repository first. */
  copy: boolean;
}

/** A release plan: the image, its revision and one operation per tag, in the order they are applied. */
export interface ReleasePlan extends Omit<PlanInput, 'rolling' | 'current'> {
  /** The immutable tag first, then the rolling tags from the narrowest level to `latest`. */
  operations: TagOperation[];
}

/**
 * Rolling levels from the narrowest to the widest. Rolling tags are written in
 * this order, so a run that stops half way has moved the tags fewest users
 * follow, and `latest` last.
 */
export const ROLLING_WRITE_ORDER: readonly string[] = [
  'version-distro',
  'version',
  'minor-distro',
  'minor',
  'major-distro',
  'major',
  'latest',
];

/**
 * Builds the plan of a release from the tag decisions and the digests the
 * tags point to now.
 *
 * @throws ReleaseConflictError when the immutable tag already points to
 *   another image: nothing may move, so the plan is never returned.
 */
export function buildPlan(input: PlanInput): ReleasePlan {
  const immutableNow = input.current.get(input.immutable);
  if (immutableNow !== undefined && immutableNow !== input.digest) {
    throw new ReleaseConflictError(
      formatRepository(input.target),
      input.immutable,
      input.digest,
      immutableNow,
      [{ tag: input.immutable, digest: immutableNow }],
      [],
      'before-write',
      [],
      input.revisionChoice.kind === 'explicit',
    );
  }

  const immutable: TagOperation =
    immutableNow === undefined
      ? {
          tag: input.immutable,
          role: 'immutable',
          level: undefined,
          action: 'create',
          from: undefined,
          to: input.digest,
          reason: input.revisionChoice.reason,
        }
      : {
          tag: input.immutable,
          role: 'immutable',
          level: undefined,
          action: 'unchanged',
          from: immutableNow,
          to: immutableNow,
          reason: `already points to this image; ${keptBecause(input.revisionChoice)}`,
        };

  const rolling = sortForWriting(input.rolling).map((decision) => planRolling(decision, input));
  return {
    source: input.source,
    sourceReference: input.sourceReference,
    target: input.target,
    digest: input.digest,
    mediaType: input.mediaType,
    version: input.version,
    distro: input.distro,
    revision: input.revision,
    immutable: input.immutable,
    revisionChoice: input.revisionChoice,
    copy: input.copy,
    operations: [immutable, ...rolling],
  };
}

function planRolling(decision: RollingDecision, input: PlanInput): TagOperation {
  const base = { tag: decision.tag, role: 'rolling' as const, level: decision.level };
  if (!decision.moves) {
    return { ...base, action: 'skip', from: undefined, to: undefined, reason: decision.reason ?? 'the tag scheme keeps it' };
  }

  const now = input.current.get(decision.tag);
  if (now === undefined) {
    return { ...base, action: 'create', from: undefined, to: input.digest, reason: `new ${decision.level} tag` };
  }
  if (now === input.digest) {
    return { ...base, action: 'unchanged', from: now, to: now, reason: 'already points to this image' };
  }
  return { ...base, action: 'move', from: now, to: input.digest, reason: `this release is the newest in the scope of ${decision.tag}` };
}

function keptBecause(choice: RevisionChoice): string {
  switch (choice.kind) {
    case 'reused':
      return 'the source already is this revision';
    case 'unchanged':
      return 'the source differs from it only in build timestamps';
    case 'explicit':
      return choice.reason;
    case 'new':
      return 'another run created it after the tags were listed';
  }
}

function sortForWriting(decisions: readonly RollingDecision[]): RollingDecision[] {
  const rank = (level: string): number => {
    const index = ROLLING_WRITE_ORDER.indexOf(level);
    return index === -1 ? ROLLING_WRITE_ORDER.length : index;
  };
  // Array.prototype.sort is stable, so tags of one level keep the scheme's order.
  return [...decisions].sort((a, b) => rank(a.level) - rank(b.level));
}

/** Returns the operations that write a tag when the plan is applied (create and move). */
export function writesOf(plan: ReleasePlan): TagOperation[] {
  return plan.operations.filter((operation) => operation.action === 'create' || operation.action === 'move');
}

/** Returns true when applying the plan writes nothing and copies nothing. */
export function isNoOp(plan: ReleasePlan): boolean {
  return !plan.copy && writesOf(plan).length === 0;
}

/** The `--json` form of a plan or a publish result. */
export interface PlanJson {
  digest: string;
  immutable: string;
  revision: number;
  operations: Array<{ tag: string; action: TagAction; from: string | null; to: string | null; reason: string }>;
}

/** Converts a plan to its `--json` form, with `null` for an absent digest. */
export function planToJson(plan: ReleasePlan): PlanJson {
  return {
    digest: plan.digest,
    immutable: plan.immutable,
    revision: plan.revision,
    operations: plan.operations.map((operation) => ({
      tag: operation.tag,
      action: operation.action,
      from: operation.from ?? null,
      to: operation.to ?? null,
      reason: operation.reason,
    })),
  };
}
