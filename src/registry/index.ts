/**
 * The registry client: an OCI distribution API client on undici. It does not
 * depend on the tag scheme.
 *
 * @packageDocumentation
 */

export { RegistryClient } from './client.js';

export {
  DEFAULT_REGISTRY,
  DEFAULT_TAG,
  MAX_NAME_LENGTH,
  familiarName,
  formatReference,
  formatRepository,
  manifestIdentifier,
  parseReference,
  parseRegistry,
  parseRepository,
  toReference,
  toRepository,
  withDigest,
  withTag,
  type Reference,
} from './reference.js';

export {
  DEFAULT_DIGEST_ALGORITHM,
  DIGEST_HEX_LENGTH,
  DigestVerifier,
  InvalidDigestError,
  SizeMismatchError,
  computeDigest,
  createVerifyingStream,
  isDigestAlgorithm,
  isValidDigest,
  parseDigest,
  validateDigest,
  verifyDigest,
  type DigestAlgorithm,
  type ParsedDigest,
} from './digest.js';

export {
  Annotations,
  ArtifactManifest,
  Descriptor,
  Digest,
  DockerManifest,
  DockerManifestList,
  ImageIndex,
  ImageManifest,
  MANIFEST_SCHEMAS,
  Platform,
  RepositoryList,
  TagList,
  isImageManifest,
  isIndexManifest,
  referencedBlobs,
  type Manifest,
} from './manifest-schemas.js';

export { InvalidManifestError, decodeManifest, isManifestMediaType, normalizeMediaType, type DecodedManifest } from './manifest-decode.js';

export {
  MANIFEST_ACCEPT,
  deleteManifest,
  getManifest,
  headManifest,
  putManifest,
  type FetchedManifest,
  type OperationOptions,
} from './manifests.js';

export {
  InvalidPlatformError,
  PlatformNotFoundError,
  formatPlatform,
  normalizePlatform,
  parsePlatform,
  platformMatches,
  resolvePlatform,
  selectPlatformChild,
  type PlatformRequest,
  type ResolvedPlatform,
} from './platform.js';

export { DEFAULT_MAX_PAGES, DEFAULT_PAGE_SIZE, type PageOptions } from './pagination.js';
export { listTags, type TagListing } from './tags.js';
export { listRepositories, type RepositoryListing } from './catalog.js';
export { blobExists, getBlob, headBlob, readBlob, type BlobDownload, type BlobInfo, type BlobReadOptions } from './blobs.js';
export {
  DEFAULT_CHUNK_SIZE,
  cancelUpload,
  mountBlob,
  startUpload,
  uploadBlob,
  type MountResult,
  type UploadOptions,
  type UploadSession,
} from './uploads.js';
export { DEFAULT_COPY_CONCURRENCY, copyImage, type CopyOptions, type CopyResult } from './copy.js';

export {
  AuthenticationError,
  DigestMismatchError,
  InvalidReferenceError,
  InvalidResponseError,
  NotFoundError,
  RegistryError,
  isNotFoundError,
  isRegistryError,
  type RegistryDiagnostic,
  type RegistryErrorInit,
} from './errors.js';

export {
  Header,
  IMAGE_MANIFEST_MEDIA_TYPES,
  INDEX_MEDIA_TYPES,
  MANIFEST_MEDIA_TYPES,
  MAX_ERROR_BODY_BYTES,
  MAX_MANIFEST_BYTES,
  MediaType,
  RegistryErrorCode,
} from './wire.js';

export type { RegistryHostOptions, RegistryRequest, RegistryResponse, RegistryTransport, RepositoryScope, ScopeAction } from './transport-types.js';
export { createTransport, errorFromResponse, registryOrigin, type TransportOptions } from './transport/index.js';
export {
  BlockedHostError,
  InsecureSchemeError,
  InvalidTransportOptionError,
  TooManyRedirectsError,
  type RejectedRequest,
} from './transport/errors.js';
export {
  credentialFilePaths,
  loadCredentialStore,
  type Credential,
  type CredentialStore,
  type CredentialStoreOptions,
} from './auth/credentials.js';
export { CredentialFileError } from './auth/auth-file.js';
export { CredentialHelperError } from './auth/credential-helper.js';
export { InvalidChallengeError, parseWwwAuthenticate, type Challenge } from './auth/challenge.js';
export { redactUrl } from './redact.js';
