import type { z } from 'zod';
import { INDEX_MEDIA_TYPES, MediaType, NON_DISTRIBUTABLE_LAYER_MEDIA_TYPES, RegistryErrorCode } from '../../registry/wire.js';
import { RegistryErrorResponse, registryError, type ErrorEntry } from '../errors.js';
import { isValidDigest } from '../grammar.js';
import type { MemoryStore, StoredManifest } from '../store.js';
import {
  ArtifactManifest,
  ImageIndex,
  ImageManifest,
  MEDIA_TYPE_REQUIRED,
  PUSHABLE_MEDIA_TYPES,
  type Descriptor,
} from './manifest-schema.js';

/** A manifest body to check before it is stored. */
export interface ManifestUpload {
  repository: string;
  /** Media type of `Content-Type`, without parameters. */
  contentType: string | undefined;
  bytes: Buffer;
  /** Digest of `bytes`, computed by the caller. */
  digest: string;
}

/**
 * Checks a pushed manifest and returns what the store keeps of it. Failures
 * throw a 400 response:
 *
 * - MANIFEST_INVALID for a missing or unsupported `Content-Type`, a body
 *   `mediaType` that differs from it, invalid JSON or a wrong structure;
 * - DIGEST_INVALID for a descriptor with an invalid digest;
 * - MANIFEST_BLOB_UNKNOWN, one entry for each config, layer or child manifest
 *   missing from the repository.
 */
export function validateManifest(store: MemoryStore, upload: ManifestUpload): StoredManifest {
  const mediaType = checkMediaType(upload.contentType);
  const json = parseJson(upload.bytes);

  const bodyMediaType = json.mediaType;
  if (bodyMediaType !== undefined && bodyMediaType !== mediaType) {
    throw invalid(`the mediaType "${String(bodyMediaType)}" of the body differs from Content-Type "${mediaType}"`);
  }
  if (bodyMediaType === undefined && MEDIA_TYPE_REQUIRED.includes(mediaType)) {
    throw invalid(`a ${mediaType} body must contain "mediaType": "${mediaType}"`);
  }

  const base = { digest: upload.digest, mediaType, bytes: upload.bytes };
  if (INDEX_MEDIA_TYPES.includes(mediaType)) {
    const index = parseWith(ImageIndex, json);
    checkDigests([...index.manifests, ...optional(index.subject)]);
    requireManifests(store, upload.repository, index.manifests);
    return {
      ...base,
      ...referrerFields(index.subject, index.artifactType, index.annotations),
      children: index.manifests.map((child) => ({
        digest: child.digest,
        os: child.platform?.os,
        architecture: child.platform?.architecture,
      })),
    };
  }

  if (mediaType === MediaType.ociArtifactManifest) {
    const artifact = parseWith(ArtifactManifest, json);
    const blobs = artifact.blobs ?? [];
    checkDigests([...blobs, ...optional(artifact.subject)]);
    requireBlobs(store, upload.repository, blobs);
    return { ...base, ...referrerFields(artifact.subject, artifact.artifactType, artifact.annotations), children: [] };
  }

  const manifest = parseWith(ImageManifest, json);
  checkDigests([manifest.config, ...manifest.layers, ...optional(manifest.subject)]);
  requireBlobs(store, upload.repository, [manifest.config, ...manifest.layers]);
  const artifactType = manifest.artifactType ?? manifest.config.mediaType;
  return { ...base, ...referrerFields(manifest.subject, artifactType, manifest.annotations), children: [] };
}

function checkMediaType(contentType: string | undefined): string {
  if (contentType === undefined) {
    throw invalid(`Content-Type is missing; set it to the manifest media type, one of ${PUSHABLE_MEDIA_TYPES.join(', ')}`);
  }
  if (!PUSHABLE_MEDIA_TYPES.includes(contentType)) {
    throw invalid(`unsupported manifest media type "${contentType}"; use one of ${PUSHABLE_MEDIA_TYPES.join(', ')}`);
  }
  return contentType;
}

function parseJson(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw invalid(`the body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('the body is not a JSON object');
  }
  return value as Record<string, unknown>;
}

function parseWith<T extends z.ZodType>(schema: T, json: unknown): z.infer<T> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'manifest';
    throw invalid(`${field}: ${issue?.message ?? 'invalid value'}`);
  }
  return parsed.data;
}

function checkDigests(descriptors: readonly Descriptor[]): void {
  const entries: ErrorEntry[] = descriptors
    .filter((descriptor) => !isValidDigest(descriptor.digest))
    .map((descriptor) => ({
      code: RegistryErrorCode.digestInvalid,
      message: `invalid digest "${descriptor.digest}" in a descriptor; use sha256:<64 hex> or sha512:<128 hex>`,
      detail: { digest: descriptor.digest },
    }));
  if (entries.length > 0) {
    throw new RegistryErrorResponse(400, entries);
  }
}

/**
 * Requires every blob to be linked in the repository, except non-distributable
 * layers, which must instead name the `urls` they are fetched from, as
 * Distribution 2.8 checks them.
 */
function requireBlobs(store: MemoryStore, repository: string, descriptors: readonly Descriptor[]): void {
  const missing: Descriptor[] = [];
  for (const descriptor of descriptors) {
    if (!NON_DISTRIBUTABLE_LAYER_MEDIA_TYPES.includes(descriptor.mediaType)) {
      if (!store.blob(repository, descriptor.digest)) {
        missing.push(descriptor);
      }
    } else if (!descriptor.urls?.length) {
      throw invalid(`non-distributable layer ${descriptor.digest} has no urls; list where clients fetch it`);
    }
  }
  throwMissing(missing, 'blob');
}

function requireManifests(store: MemoryStore, repository: string, descriptors: readonly Descriptor[]): void {
  throwMissing(
    descriptors.filter((descriptor) => !store.manifestByDigest(repository, descriptor.digest)),
    'manifest',
  );
}

function throwMissing(missing: readonly Descriptor[], kind: 'blob' | 'manifest'): void {
  if (missing.length === 0) {
    return;
  }
  const entries: ErrorEntry[] = missing.map((descriptor) => ({
    code: RegistryErrorCode.manifestBlobUnknown,
    message: `${kind} ${descriptor.digest} is not in the repository; push it before the manifest that refers to it`,
    detail: { digest: descriptor.digest },
  }));
  throw new RegistryErrorResponse(400, entries);
}

function referrerFields(
  subject: Descriptor | undefined,
  artifactType: string | undefined,
  annotations: Record<string, string> | undefined,
): Pick<StoredManifest, 'subject' | 'artifactType' | 'annotations'> {
  return {
    ...(subject ? { subject: subject.digest } : {}),
    ...(artifactType ? { artifactType } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

function optional(descriptor: Descriptor | undefined): Descriptor[] {
  return descriptor ? [descriptor] : [];
}

function invalid(message: string): RegistryErrorResponse {
  return registryError(400, RegistryErrorCode.manifestInvalid, message);
}
