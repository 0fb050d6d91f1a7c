import { MediaType, RegistryErrorCode } from '../../registry/wire.js';
import { registryError } from '../errors.js';
import type { MemoryStore, StoredManifest } from '../store.js';

/** The manifest lookup that Accept negotiation starts from. */
export interface NegotiationRequest {
  repository: string;
  manifest: StoredManifest;
  /** True when the request named a tag rather than a digest. */
  byTag: boolean;
  /** Media types of the `Accept` headers. */
  accepted: ReadonlySet<string>;
}

/**
 * Returns the manifest to serve, as CNCF Distribution 2.8.2 chooses it when
 * `Accept` does not list the stored media type (observed against
 * `docker-registry` 2.8.2; `*` wildcards count for nothing there):
 *
 * - an OCI manifest or index gets 404 MANIFEST_UNKNOWN, by tag or digest;
 * - a Docker manifest list fetched by tag is replaced by its linux/amd64
 *   entry, or 404 MANIFEST_UNKNOWN when it has none;
 * - a Docker schema 2 manifest fetched by tag gets 400 MANIFEST_INVALID,
 *   because Distribution would convert it to schema 1, which it no longer signs;
 * - anything fetched by digest otherwise, and the artifact manifest, are served as stored.
 */
export function negotiateManifest(store: MemoryStore, request: NegotiationRequest): StoredManifest {
  const { manifest, accepted, byTag } = request;
  if (accepted.has(manifest.mediaType)) {
    return manifest;
  }

  switch (manifest.mediaType) {
    case MediaType.ociManifest:
      throw registryError(404, RegistryErrorCode.manifestUnknown, 'OCI manifest found, but accept header does not support OCI manifests');
    case MediaType.ociIndex:
      throw registryError(404, RegistryErrorCode.manifestUnknown, 'OCI index found, but accept header does not support OCI indexes');
    case MediaType.dockerManifestList:
      return byTag ? defaultPlatformManifest(store, request) : manifest;
    case MediaType.dockerManifest:
      if (byTag) {
        throw registryError(
          400,
          RegistryErrorCode.manifestInvalid,
          `schema 2 manifest found, but accept header does not list ${MediaType.dockerManifest}, and conversion to schema 1 is not supported`,
        );
      }
      return manifest;
    default:
      return manifest;
  }
}

function defaultPlatformManifest(store: MemoryStore, request: NegotiationRequest): StoredManifest {
  const entry = request.manifest.children.find((child) => child.os === 'linux' && child.architecture === 'amd64');
  const child = entry && store.manifestByDigest(request.repository, entry.digest);
  if (!child) {
    throw registryError(
      404,
      RegistryErrorCode.manifestUnknown,
      `manifest list found, but accept header does not list ${MediaType.dockerManifestList}, and the list has no linux/amd64 entry`,
    );
  }
  return negotiateManifest(store, { ...request, manifest: child });
}
