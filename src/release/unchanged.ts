/**
 * Decides whether a rebuild differs from a published image only in what every
 * rebuild changes: the `created` timestamps of the image config (`created` and
 * `history[].created`). Layers are compared by digest, configs as JSON with
 * those fields removed, one platform at a time for an index.
 */
import { INDEX_MEDIA_TYPES, MediaType } from '../registry/wire.js';
import type { ImageReference, ReleaseRegistry } from './ports.js';

/** The outcome of {@link compareIgnoringTimestamps}. */
export interface ImageComparison {
  /** True when the two images differ at most in config timestamps. */
  equivalent: boolean;
  /** The difference found, or the reason the two count as the same. */
  reason: string;
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  platform?: { os?: string; architecture?: string; variant?: string; 'os.version'?: string };
  annotations?: Record<string, string>;
}

interface Manifest {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

/** Media types of image configs whose JSON may be compared field by field. */
const IMAGE_CONFIG_MEDIA_TYPES: readonly string[] = [MediaType.ociConfig, MediaType.dockerConfig];

/**
 * Compares the image `candidate` points to with the one `published` points
 * to. Both references should be by digest.
 */
export async function compareIgnoringTimestamps(
  registry: ReleaseRegistry,
  candidate: ImageReference,
  published: ImageReference,
): Promise<ImageComparison> {
  const [left, right] = await Promise.all([readManifest(registry, candidate), readManifest(registry, published)]);
  if (left.digest === right.digest) {
    return { equivalent: true, reason: 'same manifest digest' };
  }

  const leftIsIndex = isIndex(left.manifest);
  if (leftIsIndex !== isIndex(right.manifest)) {
    return { equivalent: false, reason: 'one is a multi-platform index, the other a single image' };
  }
  if (!leftIsIndex) {
    return compareImages(registry, candidate, published, left.manifest, right.manifest, 'the image');
  }
  return compareIndexes(registry, candidate, published, left.manifest, right.manifest);
}

async function compareIndexes(
  registry: ReleaseRegistry,
  candidate: ImageReference,
  published: ImageReference,
  left: Manifest,
  right: Manifest,
): Promise<ImageComparison> {
  const leftChildren = platformChildren(left);
  const rightChildren = platformChildren(right);
  const leftKeys = [...leftChildren.keys()].sort();
  const rightKeys = [...rightChildren.keys()].sort();
  if (leftKeys.join(',') !== rightKeys.join(',')) {
    return {
      equivalent: false,
      reason: `platforms differ: ${leftKeys.join(', ') || 'none'} instead of ${rightKeys.join(', ') || 'none'}`,
    };
  }

  for (const key of leftKeys) {
    const leftChild = leftChildren.get(key) as Descriptor;
    const rightChild = rightChildren.get(key) as Descriptor;
    if (leftChild.digest === rightChild.digest) {
      continue;
    }
    const [leftManifest, rightManifest] = await Promise.all([
      readManifest(registry, { ...candidate, tag: undefined, digest: leftChild.digest }),
      readManifest(registry, { ...published, tag: undefined, digest: rightChild.digest }),
    ]);
    const comparison = await compareImages(
      registry,
      candidate,
      published,
      leftManifest.manifest,
      rightManifest.manifest,
      key,
    );
    if (!comparison.equivalent) {
      return comparison;
    }
  }
  return { equivalent: true, reason: `layers and configs of ${leftKeys.join(', ')} match except build timestamps` };
}

async function compareImages(
  registry: ReleaseRegistry,
  candidate: ImageReference,
  published: ImageReference,
  left: Manifest,
  right: Manifest,
  platform: string,
): Promise<ImageComparison> {
  const leftLayers = (left.layers ?? []).map((layer) => layer.digest);
  const rightLayers = (right.layers ?? []).map((layer) => layer.digest);
  if (leftLayers.length !== rightLayers.length) {
    return { equivalent: false, reason: `${platform} has ${leftLayers.length} layers instead of ${rightLayers.length}` };
  }
  const changedLayer = leftLayers.findIndex((digest, index) => digest !== rightLayers[index]);
  if (changedLayer !== -1) {
    return { equivalent: false, reason: `layer ${changedLayer + 1} of ${leftLayers.length} differs on ${platform}` };
  }

  if (left.config === undefined || right.config === undefined) {
    return { equivalent: false, reason: `${platform} has no config to compare` };
  }
  if (left.config.digest === right.config.digest) {
    return { equivalent: true, reason: `same layers and config on ${platform}` };
  }
  const configType = left.config.mediaType ?? '';
  if (!IMAGE_CONFIG_MEDIA_TYPES.includes(configType) || configType !== right.config.mediaType) {
    // An artifact config has no known timestamp fields, so any change counts.
    return { equivalent: false, reason: `config ${configType || 'of unknown type'} differs on ${platform}` };
  }

  // NOTE: configs from Docker's classic builder also carry `container` and
  // `container_config.Hostname`, which change on every build, so such rebuilds always count as changed.
  const [leftConfig, rightConfig] = await Promise.all([
    readConfig(registry, candidate, left.config.digest),
    readConfig(registry, published, right.config.digest),
  ]);
  const changedField = firstDifferentField(withoutTimestamps(leftConfig), withoutTimestamps(rightConfig));
  if (changedField !== undefined) {
    return { equivalent: false, reason: `config field "${changedField}" differs on ${platform}` };
  }
  return { equivalent: true, reason: `same layers on ${platform}, configs differ only in build timestamps` };
}

/**
 * Maps each platform of an index (`linux/arm64/v8`) to its child. Attestation
 * manifests (BuildKit marks them `unknown/unknown` with the annotation
 * `vnd.docker.reference.type: attestation-manifest`) are left out, because
 * their provenance records carry the build time and so change on every build.
 */
function platformChildren(index: Manifest): Map<string, Descriptor> {
  const children = new Map<string, Descriptor>();
  for (const child of index.manifests ?? []) {
    if (child.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') {
      continue;
    }
    const platform = child.platform;
    const key = platform
      ? [platform.os, platform.architecture, platform.variant, platform['os.version']].filter(Boolean).join('/')
      : `unknown platform ${child.digest}`;
    children.set(key, child);
  }
  return children;
}

function isIndex(manifest: Manifest): boolean {
  return manifest.manifests !== undefined || INDEX_MEDIA_TYPES.includes(manifest.mediaType ?? '');
}

async function readManifest(
  registry: ReleaseRegistry,
  reference: ImageReference,
): Promise<{ digest: string; manifest: Manifest }> {
  const fetched = await registry.getManifest(reference);
  return { digest: fetched.descriptor.digest, manifest: parseJson(fetched.bytes) as Manifest };
}

async function readConfig(registry: ReleaseRegistry, reference: ImageReference, digest: string): Promise<unknown> {
  const bytes = await registry.getBlob(reference, digest);
  return parseJson(bytes);
}

function parseJson(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes).toString('utf8'));
}

/** Returns a copy of an image config without `created` and `history[].created`. */
export function withoutTimestamps(config: unknown): unknown {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return config;
  }
  const { created: _created, history, ...rest } = config as Record<string, unknown>;
  if (!Array.isArray(history)) {
    return history === undefined ? rest : { ...rest, history };
  }
  const cleaned = history.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) {
      return entry;
    }
    const { created: _entryCreated, ...entryRest } = entry as Record<string, unknown>;
    return entryRest;
  });
  return { ...rest, history: cleaned };
}

/**
 * Returns the first top-level field (in sorted order) whose values differ,
 * compared as canonical JSON, or undefined when the two are equal.
 */
export function firstDifferentField(left: unknown, right: unknown): string | undefined {
  const leftRecord = asRecord(left);
  const rightRecord = asRecord(right);
  const fields = [...new Set([...Object.keys(leftRecord), ...Object.keys(rightRecord)])].sort();
  return fields.find((field) => canonicalJson(leftRecord[field]) !== canonicalJson(rightRecord[field]));
}

/** Orders keys by UTF-16 code units, as `Array.prototype.sort` does without a comparator. */
function compareKeys(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { '': value };
}

/** Serializes `value` as JSON with object keys sorted, so key order does not count as a difference. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => compareKeys(a, b));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
