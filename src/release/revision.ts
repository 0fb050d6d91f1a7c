/**
 * Chooses the revision of a release. With `auto`, the newest published
 * revision of the version and distro is kept when the source already is that
 * image, as in a re-run or a run resumed after a crash. With
 * `skipIfUnchanged`, it is also kept when the source differs from it only in
 * build timestamps. Otherwise the next revision is used.
 */
import type { RevisionChoice } from './plan.js';
import { digestReference, type ImageReference, type ReleaseRegistry, type RepositoryName } from './ports.js';
import { compareIgnoringTimestamps } from './unchanged.js';

/** The inputs of {@link chooseRevision}. */
export interface RevisionInput {
  registry: ReleaseRegistry;
  /** The source as given, for messages. */
  sourceText: string;
  /** The source pinned to its digest. */
  source: ImageReference;
  sourceDigest: string;
  target: RepositoryName;
  version: string;
  distro: string;
  /** `auto`, or the revision the caller asked for. */
  revision: 'auto' | number;
  /** Newest published revision of this version and distro, undefined when there is none. */
  newestRevision: number | undefined;
  /** Formats the immutable tag of a revision. */
  immutableTagOf: (revision: number) => string;
  /** Returns the digest a tag of the target points to, undefined when absent (memoized by the caller). */
  digestOfTag: (tag: string) => Promise<string | undefined>;
  skipIfUnchanged: boolean;
}

/** The chosen revision and the image its tags will point to. */
export interface RevisionDecision {
  revision: number;
  /** The digest the release's tags will point to: the source's, or the kept revision's when unchanged. */
  digest: string;
  choice: RevisionChoice;
}

/** Chooses the revision and the image of a release; see the module documentation for the rules. */
export async function chooseRevision(input: RevisionInput): Promise<RevisionDecision> {
  const release = `${input.version} on ${input.distro}`;
  if (input.revision !== 'auto') {
    return {
      revision: input.revision,
      digest: input.sourceDigest,
      choice: { kind: 'explicit', reason: `revision ${input.revision} requested` },
    };
  }

  if (input.newestRevision === undefined) {
    return { revision: 0, digest: input.sourceDigest, choice: { kind: 'new', reason: `first revision of ${release}` } };
  }

  const newestTag = input.immutableTagOf(input.newestRevision);
  const newestDigest = await input.digestOfTag(newestTag);
  if (newestDigest === input.sourceDigest) {
    return {
      revision: input.newestRevision,
      digest: input.sourceDigest,
      choice: { kind: 'reused', reason: `${input.sourceText} already is ${newestTag}; finishing that release` },
    };
  }

  if (input.skipIfUnchanged && newestDigest !== undefined) {
    const comparison = await compareIgnoringTimestamps(
      input.registry,
      input.source,
      digestReference(input.target, newestDigest),
    );
    if (comparison.equivalent) {
      return {
        revision: input.newestRevision,
        digest: newestDigest,
        choice: {
          kind: 'unchanged',
          reason: `${input.sourceText} differs from ${newestTag} only in build timestamps (${comparison.reason})`,
          sourceDigest: input.sourceDigest,
        },
      };
    }
    const next = input.newestRevision + 1;
    return {
      revision: next,
      digest: input.sourceDigest,
      choice: { kind: 'new', reason: `rebuild of ${release} changed since ${newestTag}: ${comparison.reason}` },
    };
  }

  const next = input.newestRevision + 1;
  const why = newestDigest === undefined ? `${newestTag} is listed but its manifest is missing` : `${newestTag} is another image`;
  return { revision: next, digest: input.sourceDigest, choice: { kind: 'new', reason: `rebuild of ${release}: ${why}` } };
}
