/**
 * Facts of the wire: media types, header names and error codes of the OCI
 * distribution and image specifications. Everything that talks to a registry,
 * the in-memory registry of `tagkeeper/testing` included, imports them from here.
 *
 * Sources: OCI distribution-spec v1.1.0 (spec.md, "Error Codes") and OCI
 * image-spec v1.1.0 (media-types.md); Docker media types from the Docker
 * Registry HTTP API V2 (manifest v2 schema 2).
 */

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerTarGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  /** Artifact manifest of image-spec 1.1 release candidates; some registries still serve it. */
  ociArtifactManifest: 'application/vnd.oci.artifact.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerTarGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** Media types of manifests that point at exactly one image or artifact. */
export const IMAGE_MANIFEST_MEDIA_TYPES: readonly string[] = [
  MediaType.ociManifest,
  MediaType.dockerManifest,
  MediaType.ociArtifactManifest,
];

/** Media types of manifests that list other manifests (multi-platform images). */
export const INDEX_MEDIA_TYPES: readonly string[] = [MediaType.ociIndex, MediaType.dockerManifestList];

/** Every manifest media type tagkeeper reads, in the order sent in `Accept`. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [...INDEX_MEDIA_TYPES, ...IMAGE_MANIFEST_MEDIA_TYPES];

export const Header = {
  accept: 'accept',
  acceptEncoding: 'accept-encoding',
  authorization: 'authorization',
  contentDigest: 'docker-content-digest',
  contentLength: 'content-length',
  contentRange: 'content-range',
  contentType: 'content-type',
  link: 'link',
  location: 'location',
  range: 'range',
  retryAfter: 'retry-after',
  uploadUuid: 'docker-upload-uuid',
  wwwAuthenticate: 'www-authenticate',
  apiVersion: 'docker-distribution-api-version',
  ociSubject: 'oci-subject',
} as const;

/** Error codes a registry may return in its `errors[]` body. */
export const RegistryErrorCode = {
  blobUnknown: 'BLOB_UNKNOWN',
  blobUploadInvalid: 'BLOB_UPLOAD_INVALID',
  blobUploadUnknown: 'BLOB_UPLOAD_UNKNOWN',
  digestInvalid: 'DIGEST_INVALID',
  manifestBlobUnknown: 'MANIFEST_BLOB_UNKNOWN',
  manifestInvalid: 'MANIFEST_INVALID',
  manifestUnknown: 'MANIFEST_UNKNOWN',
  nameInvalid: 'NAME_INVALID',
  nameUnknown: 'NAME_UNKNOWN',
  sizeInvalid: 'SIZE_INVALID',
  tagInvalid: 'TAG_INVALID',
  unauthorized: 'UNAUTHORIZED',
  denied: 'DENIED',
  unsupported: 'UNSUPPORTED',
  tooManyRequests: 'TOOMANYREQUESTS',
  paginationNumberInvalid: 'PAGINATION_NUMBER_INVALID',
  unknown: 'UNKNOWN',
} as const;

export type RegistryErrorCodeValue = (typeof RegistryErrorCode)[keyof typeof RegistryErrorCode];

/** Largest manifest tagkeeper reads; distribution-spec v1.1.0 requires registries to accept manifests of at least 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Largest error body kept for an error message. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

export { TAG_PATTERN, isValidTag } from '../grammar.js';

/** Largest page of a tag list or catalog that tagkeeper reads; a page of 1,000 maximum-length tags is about 135 KiB. */
export const MAX_LIST_PAGE_BYTES = 16 * 1024 * 1024;

/** Layer media types that registries need not store (Windows base layers), so copies leave them out. */
export const NON_DISTRIBUTABLE_LAYER_MEDIA_TYPES: readonly string[] = [
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
];

/** Largest token server reply read; bearer tokens are JWTs of a few kilobytes. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

/** Response header of an upload start giving the smallest chunk a registry accepts (distribution-spec v1.1.0, "Pushing a blob in chunks"). */
export const OCI_CHUNK_MIN_LENGTH_HEADER = 'oci-chunk-min-length';

/** Response header of a referrers listing that confirms the `artifactType` filter was applied (distribution-spec v1.1.0, "Listing Referrers"). */
export const OCI_FILTERS_APPLIED_HEADER = 'oci-filters-applied';
