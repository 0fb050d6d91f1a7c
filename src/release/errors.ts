import { TagkeeperError } from '../errors.js';

/** Digest one tag pointed to when a release stopped; `digest` is undefined for an absent tag. */
export interface TagState {
  tag: string;
  digest: string | undefined;
  /** True when the tag could not be read while the error was being built. */
  unreadable?: boolean;
}

/** Formats tag states as `tag -> digest` pairs for an error message. */
export function formatTagStates(state: readonly TagState[]): string {
  if (state.length === 0) {
    return 'no tags read';
  }
  return state
    .map(({ tag, digest, unreadable }) => `${tag} -> ${unreadable ? 'unreadable' : (digest ?? 'absent')}`)
    .join(', ');
}

/**
 * Outcome for one rolling tag written by a publish that then lost its
 * immutable tag: moved to the image the immutable tag points to, or left.
 */
export type RollingTagRepair =
  | { tag: string; outcome: 'moved'; digest: string }
  | { tag: string; outcome: 'left'; reason: string };

function formatRepairs(repairs: readonly RollingTagRepair[]): string {
  const moved = repairs.filter((repair) => repair.outcome === 'moved');
  const left = repairs.filter((repair) => repair.outcome === 'left');
  const sentences: string[] = [];
  if (moved.length > 0) {
    const targets = moved.map((repair) => `${repair.tag} -> ${repair.digest}`).join(', ');
    sentences.push(`It moved the rolling tags it had written to the image the immutable tag points to: ${targets}.`);
  }
  if (left.length > 0) {
    sentences.push(`It left ${left.map((repair) => `${repair.tag} (${repair.reason})`).join(', ')}.`);
  }
  return sentences.map((sentence) => ` ${sentence}`).join('');
}

/**
 * The immutable tag of a release points to another image than the one being
 * published: before the write (a release of the same revision already exists,
 * or another publish is running) or when it is read back after the write (two
 * publishes raced). Publish stops at once. A rolling tag this run had already
 * written is moved to the image the immutable tag now points to, so that no
 * rolling tag points to an image without an immutable tag. `repairs` records
 * the outcome for each. `state` lists where each tag of the release pointed
 * when the run stopped, after those moves, and `written` the tags this run
 * had written.
 */
export class ReleaseConflictError extends TagkeeperError {
  override readonly name = 'ReleaseConflictError';
  readonly code = 'IMMUTABLE_TAG_CONFLICT';

  constructor(
    /** The target repository, `registry/repository`. */
    readonly repository: string,
    /** The immutable tag in conflict. */
    readonly tag: string,
    /** Digest of the image being published. */
    readonly expectedDigest: string,
    /** Digest the immutable tag points to. */
    readonly actualDigest: string,
    readonly state: readonly TagState[],
    readonly written: readonly string[],
    /** When the conflict was seen: before the write, or reading it back after. */
    readonly phase: 'before-write' | 'after-write',
    /** Outcome for each rolling tag this run had written, in write order; empty when it had written none. */
    readonly repairs: readonly RollingTagRepair[] = [],
    /** True when the caller gave the revision, so a plain re-run would fail the same way. */
    readonly revisionGiven = false,
  ) {
    const when = phase === 'before-write' ? 'already points to' : 'was overwritten and now points to';
    const moved =
      written.length === 0
        ? 'No tag was written by this run.'
        : `This run had written: ${written.join(', ')}.${formatRepairs(repairs)}`;
    super(
      `immutable tag ${repository}:${tag} ${when} ${actualDigest}, not ${expectedDigest} (the image being published). ` +
        `${moved} Tags now: ${formatTagStates(state)}. ` +
        'Another publish of this release may be running; check which image the tag should hold, then ' +
        (revisionGiven
          ? 'drop --revision (or pass --revision auto) and run publish again to release this image as the next revision.'
          : 'run publish again to release this image under the next revision.'),
    );
  }
}

/**
 * A rolling tag changed between planning and writing, so moving it now might
 * move it backwards. Nothing more is written; running publish again plans
 * from the registry's current state.
 */
export class RollingTagChangedError extends TagkeeperError {
  override readonly name = 'RollingTagChangedError';
  readonly code = 'ROLLING_TAG_CHANGED';

  constructor(
    readonly repository: string,
    readonly tag: string,
    /** Digest the plan expected the tag to point to, undefined for a tag expected to be absent. */
    readonly expectedDigest: string | undefined,
    /** Digest it points to now, undefined when it is absent. */
    readonly actualDigest: string | undefined,
    readonly state: readonly TagState[],
    readonly written: readonly string[],
  ) {
    super(
      `rolling tag ${repository}:${tag} changed while publishing: the plan expected ${expectedDigest ?? 'no tag'}, ` +
        `the registry has ${actualDigest ?? 'no tag'}. This run had written: ${written.join(', ') || 'nothing'}. ` +
        `Tags now: ${formatTagStates(state)}. Run publish again to plan from the current tags.`,
    );
  }
}

/** A tag read back after the write points to another digest than the one written. */
export class TagReadBackError extends TagkeeperError {
  override readonly name = 'TagReadBackError';
  readonly code = 'TAG_READBACK_MISMATCH';

  constructor(
    readonly repository: string,
    readonly tag: string,
    readonly expectedDigest: string,
    readonly actualDigest: string | undefined,
  ) {
    super(
      `tag ${repository}:${tag} was written with ${expectedDigest} but reads back as ${actualDigest ?? 'absent'}; ` +
        'another process changed it, or the registry did not keep the write. Run publish again to finish the release.',
    );
  }
}

/** The `--verify` release gate exited with a non-zero status, so no tag was written. */
export class VerifyFailedError extends TagkeeperError {
  override readonly name = 'VerifyFailedError';
  readonly code = 'VERIFY_FAILED';

  constructor(
    readonly command: string,
    /** Exit status, or undefined when the command was ended by a signal or did not start. */
    readonly exitCode: number | undefined,
    /** The signal that ended it, or why it did not run (`timed out after 60000 ms`). */
    readonly failure: string | undefined,
    /** The last lines the command wrote to stdout and stderr. */
    readonly outputTail: string,
    readonly digest: string,
  ) {
    const status = exitCode === undefined ? (failure ?? 'did not finish') : `exited with status ${exitCode}`;
    const tail = outputTail.trim() === '' ? '' : `; its output ended with: ${outputTail.trim().split('\n').slice(-3).join(' | ')}`;
    super(
      `release gate "${command}" ${status} for ${digest}${tail}. No tag was written; ` +
        'fix the image or the check and run publish again.',
    );
  }
}

/** Options given to publish or resolve are invalid: a bad reference, revision, version or flag combination. */
export class ReleaseOptionsError extends TagkeeperError {
  override readonly name = 'ReleaseOptionsError';
  readonly code = 'INVALID_ARGUMENT';

  constructor(
    /** The option at fault, such as `revision`. */
    readonly option: string,
    message: string,
  ) {
    super(`invalid ${option}: ${message}`);
  }
}

/** The source reference of a publish names no manifest. */
export class SourceNotFoundError extends TagkeeperError {
  override readonly name = 'SourceNotFoundError';
  readonly code = 'SOURCE_NOT_FOUND';

  constructor(readonly reference: string) {
    super(`source image ${reference} not found; check the staging tag or digest and that it was pushed`);
  }
}
