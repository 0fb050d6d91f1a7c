import type { Pair, Scalar, YAMLMap } from 'yaml';
import type { Reference } from '../registry/reference.js';
import type { PathSegment } from './yaml-tree.js';

/**
 * The values `pin` writes: `tag` replaces a rolling tag with its immutable
 * tag, `digest` adds the digest the tag points to, and `both` does both.
 */
export type PinMode = 'tag' | 'digest' | 'both';

/** Every {@link PinMode}, for argument checks. */
export const PIN_MODES: readonly PinMode[] = ['tag', 'digest', 'both'];

/**
 * The outcome for one image:
 * - `pinned`: already pinned for the mode, nothing to change;
 * - `changed`: new values were computed (and written unless the run only checks);
 * - `unpinned`: the image should be pinned but cannot be, for the reason given;
 * - `skipped`: left alone on purpose (a templated value, an empty tag meaning
 *   the chart's appVersion, a commented-out example).
 */
export type ImageStatus = 'pinned' | 'changed' | 'unpinned' | 'skipped';

/** The location of one value of an image in the YAML tree. */
export interface ValueSlot {
  /** The key as written: `tag`, `digest`, `image`. Empty for an item of a list. */
  key: string;
  /** The pair holding the value; undefined for an item of a list. */
  pair: Pair | undefined;
  /** The map holding the pair, which is another map than the block's when the value comes from a `<<` merge. */
  owner: YAMLMap | undefined;
  /** The scalar holding the value, after aliases: an anchored value is edited at its anchor. Undefined when the key has no value. */
  node: Scalar | undefined;
  /** Path of the value in the document, such as `metrics.image.tag`. */
  path: string;
  /** True inside a flow collection (`{ … }` or `[ … ]`), where `,[]{}` end a plain value. */
  flow: boolean;
}

/** An image block: a map with repository, tag and digest keys. */
export interface BlockSlots {
  map: YAMLMap;
  /** Path of the map in the document. */
  segments: PathSegment[];
  repository: ValueSlot;
  registry: ValueSlot | undefined;
  tag: ValueSlot | undefined;
  digest: ValueSlot | undefined;
  /** True when the tag value contains a digest too (`tag: 1.25@sha256:…`), so the new digest is written there. */
  digestInTag: boolean;
}

/** One image found in a values file. */
export interface FoundImage {
  file: string;
  /** 0-based index of the YAML document in the file. */
  document: number;
  /** Path of the image in its document: `metrics.image`, `initContainers[0].image`. */
  path: string;
  /** 1-based line where the image starts. */
  line: number;
  /** Paths that reuse the image through an alias (`volumePermissions.image: *shell`); pinning the anchor pins them. */
  aliases: string[];
  shape: 'block' | 'string';
  /**
   * The image as written, for reports: `bitnami/nginx:1.25`, or the fields of a
   * block joined as the chart joins them (with `global.imageRegistry` when it applies).
   */
  written: string;
  /** The reference the chart pulls, normalised; undefined when {@link problem} is set. */
  reference: Reference | undefined;
  /** True when a string names no tag, so the runtime pulls `latest`. */
  implicitTag: boolean;
  /** The reason the image is not resolved: skipped on purpose, or unpinnable. */
  problem: { status: 'skipped' | 'unpinned'; reason: string } | undefined;
  block: BlockSlots | undefined;
  /** For the string shape: the scalar and the name part as written, which is kept. */
  string: { slot: ValueSlot; name: string } | undefined;
}

/** One value change of a pin. */
export interface ValueChange {
  /** Path of the value: `metrics.image.tag`. */
  path: string;
  /** 1-based line of the value, or of the line the new key follows. */
  line: number;
  /** The value before, undefined for a key that is added. */
  old: string | undefined;
  new: string;
}

/** The report for one image. */
export interface PinnedImage {
  file: string;
  document: number;
  path: string;
  line: number;
  /** Paths that reuse the image through an alias, pinned with it. */
  aliases: string[];
  shape: 'block' | 'string' | 'comment';
  status: ImageStatus;
  /** The image as written, or a block's fields joined as the chart joins them. */
  old: string;
  /** The reference resolved, normalised (`docker.io/bitnami/nginx:1.25`). */
  reference?: string;
  /** The pinned reference, normalised, for `changed` and `pinned` images. */
  new?: string;
  /** Digest the reference resolved to. */
  digest?: string;
  /** The reason an image is `unpinned` or `skipped`, or a note about a `changed` one. */
  reason?: string;
  changes: ValueChange[];
}
