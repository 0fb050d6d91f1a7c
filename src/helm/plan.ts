import type { Reference } from '../registry/reference.js';
import type { FoundImage, PinMode } from './model.js';
import type { ResolvedImage } from './ports.js';

/** The values one image should have after pinning, before they are turned into text edits. */
export interface ImagePlan {
  status: 'pinned' | 'changed' | 'unpinned';
  /** The reason an image is unpinned, or a note on a pinned or changed one. */
  reason: string | undefined;
  /** The tag to write; undefined to keep a string without a tag (`nginx@sha256:…`) or a block without one. */
  tag: string | undefined;
  /** The digest to write, or undefined for none. */
  digest: string | undefined;
  /** The pinned reference, normalised. */
  reference: Reference;
}

/**
 * Decides the pinned tag and digest of `image` from what its reference
 * resolved to. The rules:
 * - `tag` and `both` replace a rolling tag with the newest immutable tag that
 *   has the same digest; a tag the resolver lists as immutable is kept;
 * - `digest` and `both` set the digest to the one the tag points to now;
 * - in every mode a digest that is already written is set to the tag's
 *   digest, so a tag and a digest never disagree;
 * - a reference with a digest and no tag is pinned already, unless a
 *   platform was requested and the digest resolves to another manifest.
 */
export function planImage(image: FoundImage & { reference: Reference }, resolved: ResolvedImage, mode: PinMode): ImagePlan {
  const current = image.reference;
  const wantTag = mode !== 'digest';
  const wantDigest = mode !== 'tag';

  if (current.tag === undefined) {
    const digest = wantDigest ? resolved.digest : current.digest;
    return finish(image, undefined, digest, undefined);
  }

  const tagIsImmutable = !image.implicitTag && resolved.immutableTags.includes(current.tag);
  let tag: string | undefined = image.implicitTag ? undefined : current.tag;
  let reason: string | undefined;
  if (wantTag && !tagIsImmutable) {
    const immutable = resolved.immutableTags[0];
    if (immutable !== undefined) {
      tag = immutable;
    } else {
      reason = `no immutable tag points to ${resolved.digest}, the digest of ${current.tag}`;
      if (mode === 'tag') {
        return { status: 'unpinned', reason: `${reason}; pin it with --mode digest or both`, tag, digest: current.digest, reference: current };
      }
    }
  }

  const digest = wantDigest || current.digest !== undefined ? resolved.digest : undefined;
  if (current.digest !== undefined && current.digest !== digest) {
    reason = joinReasons(reason, `the digest ${current.digest} did not match ${current.tag}, which points to ${digest}`);
  }
  return finish(image, tag, digest, reason);
}

function finish(image: FoundImage & { reference: Reference }, tag: string | undefined, digest: string | undefined, reason: string | undefined): ImagePlan {
  const current = image.reference;
  const currentTag = image.implicitTag ? undefined : current.tag;
  const unchanged = tag === currentTag && digest === current.digest;
  const reference: Reference = {
    registry: current.registry,
    repository: current.repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
  return { status: unchanged ? 'pinned' : 'changed', reason, tag, digest, reference };
}

function joinReasons(first: string | undefined, second: string): string {
  return first === undefined ? second : `${first}; ${second}`;
}
