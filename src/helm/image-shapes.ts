import { isMap, isScalar, isSeq, type Document, type YAMLMap } from 'yaml';
import { findPair, resolveNode } from './yaml-tree.js';

/**
 * The rules that decide which parts of a values file name an image. They are
 * written down in docs/helm.md; keep the two in step.
 */

/** Keys that can hold the repository of an image block, in order of preference. */
export const REPOSITORY_KEYS = ['repository', 'image', 'name'] as const;

/** Keys that can hold the tag of an image block, in order of preference. */
export const TAG_KEYS = ['tag', 'version'] as const;

/** Key of the digest in an image block, as Bitnami charts name it. */
export const DIGEST_KEY = 'digest';

/** Key of the registry in an image block; `global.imageRegistry` overrides it. */
export const REGISTRY_KEY = 'registry';

/** Keys that only image blocks have; one of them confirms a block whose other keys are ambiguous. */
export const IMAGE_EVIDENCE_KEYS = ['registry', 'pullPolicy', 'imagePullPolicy', 'pullSecrets', 'imagePullSecrets'] as const;

/** The keys that make a map an image block. */
export interface BlockShape {
  repositoryKey: (typeof REPOSITORY_KEYS)[number];
  /** The tag key present in the map, if any. */
  tagKey: (typeof TAG_KEYS)[number] | undefined;
  hasDigestKey: boolean;
}

/** Returns true for keys whose value is an image: `image`, `sysctlImage`, `postgresqlImage`. */
export function isImageKey(key: string | undefined): boolean {
  return key !== undefined && /image$/i.test(key);
}

/** Returns true for keys whose value is a list of image strings: `images`, `extraImages`. */
export function isImageListKey(key: string | undefined): boolean {
  return key !== undefined && /images$/i.test(key);
}

/** Returns true when `value` is a Helm template expression rather than a literal value. */
export function isTemplated(value: string): boolean {
  return value.includes('{{');
}

/**
 * Returns true when `value` reads as a complete image reference (it has a
 * `:tag` after its last `/`, or an `@digest`) rather than a bare repository.
 */
export function hasTagOrDigest(value: string): boolean {
  if (value.includes('@')) {
    return true;
  }
  const colon = value.lastIndexOf(':');
  return colon !== -1 && colon > value.lastIndexOf('/');
}

/**
 * Decides whether `map` is an image block. A block needs a repository key
 * holding a string and a tag or digest key holding a scalar. When the keys
 * are ambiguous (`name` as the repository, or `version` as the tag and no
 * digest key), the block counts only with further evidence: a `registry`,
 * `pullPolicy` or `pullSecrets` key, or a parent key ending in `image`.
 */
export function blockShape(document: Document.Parsed, map: YAMLMap, parentKey: string | undefined): BlockShape | undefined {
  const repositoryKey = REPOSITORY_KEYS.find((key) => isRepositoryValue(document, map, key));
  if (repositoryKey === undefined) {
    return undefined;
  }

  const tagKey = TAG_KEYS.find((key) => holdsScalar(document, map, key));
  const hasDigestKey = holdsScalar(document, map, DIGEST_KEY);
  if (tagKey === undefined && !hasDigestKey) {
    return undefined;
  }

  const ambiguous = repositoryKey === 'name' || (tagKey === 'version' && !hasDigestKey);
  if (ambiguous && !hasImageEvidence(document, map, parentKey)) {
    return undefined;
  }
  return { repositoryKey, tagKey, hasDigestKey };
}

/**
 * Returns true for a map under an image key that sets a tag or digest but no
 * repository, as a parent chart does to override only the tag of a
 * subchart's image. Such a block cannot be resolved from this file alone.
 */
export function isPartialImageBlock(document: Document.Parsed, map: YAMLMap, parentKey: string | undefined): boolean {
  if (!isImageKey(parentKey)) {
    return false;
  }
  const hasRepository = REPOSITORY_KEYS.some((key) => findPair(document, map, key) !== undefined);
  const hasTag = holdsScalar(document, map, 'tag') || holdsScalar(document, map, DIGEST_KEY);
  return hasTag && !hasRepository;
}

function hasImageEvidence(document: Document.Parsed, map: YAMLMap, parentKey: string | undefined): boolean {
  return isImageKey(parentKey) || IMAGE_EVIDENCE_KEYS.some((key) => findPair(document, map, key) !== undefined);
}

function isRepositoryValue(document: Document.Parsed, map: YAMLMap, key: string): boolean {
  const found = findPair(document, map, key);
  const value = found ? resolveNode(document, found.pair.value) : undefined;
  if (!isScalar(value) || typeof value.value !== 'string' || value.value.trim() === '') {
    return false;
  }
  // `image: nginx:1.25` is a whole reference, not the repository of a block.
  return key !== 'image' || isTemplated(value.value) || !hasTagOrDigest(value.value);
}

function holdsScalar(document: Document.Parsed, map: YAMLMap, key: string): boolean {
  const found = findPair(document, map, key);
  if (!found) {
    return false;
  }
  const value = resolveNode(document, found.pair.value);
  return value === undefined || (!isMap(value) && !isSeq(value));
}
