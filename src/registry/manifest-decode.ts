import { TagkeeperError } from '../errors.js';
import { MANIFEST_SCHEMAS, type Manifest } from './manifest-schemas.js';
import { MANIFEST_MEDIA_TYPES, MediaType } from './wire.js';

/**
 * Decoding of manifest bytes: which media type they are, and whether they
 * match the schema of that type.
 */

/** Media types of Docker's image manifest v2 schema 1, which tagkeeper does not read. */
const SCHEMA1_MEDIA_TYPES = new Set([
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);

/** Manifest bytes that are not a manifest tagkeeper can read. */
export class InvalidManifestError extends TagkeeperError {
  override readonly name = 'InvalidManifestError';
  readonly code = 'INVALID_MANIFEST';

  constructor(
    /** Reason the bytes were rejected. */
    readonly reason: string,
  ) {
    super(`invalid manifest: ${reason}`);
  }
}

/** A manifest with the media type it was decoded as. */
export interface DecodedManifest {
  mediaType: string;
  manifest: Manifest;
}

/**
 * Decodes manifest `bytes`. The media type is the body's `mediaType` field
 * when it has one (the digest covers it), else `contentType` when that is a
 * manifest type. An OCI manifest or index that omits both, which the image
 * spec allows, is recognised by its `manifests` or `config` field. Throws
 * {@link InvalidManifestError} for schema 1, an unknown media type or a body
 * that fails the schema of its type.
 */
export function decodeManifest(bytes: Uint8Array, contentType?: string): DecodedManifest {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    throw new InvalidManifestError(`the body is not valid JSON (${(error as Error).message})`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new InvalidManifestError('the body is not a JSON object');
  }

  const fields = document as { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown; config?: unknown };
  const headerType = normalizeMediaType(contentType);
  if (fields.mediaType !== undefined && typeof fields.mediaType !== 'string') {
    throw new InvalidManifestError('the mediaType field is not a string');
  }
  const mediaType = fields.mediaType ?? (headerType !== undefined && isManifestMediaType(headerType) ? headerType : inferMediaType(fields));

  if (fields.schemaVersion === 1 || (mediaType !== undefined && SCHEMA1_MEDIA_TYPES.has(mediaType))) {
    throw new InvalidManifestError('Docker image manifest v2 schema 1 is not supported; push the image again with a current client to get schema 2 or OCI');
  }
  if (mediaType === undefined) {
    const typeDescription = headerType === undefined ? 'no Content-Type' : `Content-Type ${headerType}`;
    throw new InvalidManifestError(`the body has no mediaType field and ${typeDescription}, so its type is unknown`);
  }
  const schema = MANIFEST_SCHEMAS[mediaType];
  if (schema === undefined) {
    throw new InvalidManifestError(`unsupported media type ${JSON.stringify(mediaType)}; supported: ${MANIFEST_MEDIA_TYPES.join(', ')}`);
  }

  const result = schema.safeParse(document);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new InvalidManifestError(`the ${mediaType} body does not match its schema (${issues.join('; ')})`);
  }
  return { mediaType, manifest: result.data };
}

/** Returns true for a media type in `MANIFEST_MEDIA_TYPES`. */
export function isManifestMediaType(mediaType: string): boolean {
  return MANIFEST_MEDIA_TYPES.includes(mediaType);
}

/** Returns a `Content-Type` value without parameters or surrounding space, lower-case; undefined for none. */
export function normalizeMediaType(contentType: string | undefined): string | undefined {
  const value = contentType?.split(';')[0]?.trim().toLowerCase();
  return value === undefined || value === '' ? undefined : value;
}

function inferMediaType(fields: { schemaVersion?: unknown; manifests?: unknown; config?: unknown }): string | undefined {
  if (fields.schemaVersion !== 2) {
    return undefined;
  }
  if (Array.isArray(fields.manifests)) {
    return MediaType.ociIndex;
  }
  if (typeof fields.config === 'object' && fields.config !== null) {
    return MediaType.ociManifest;
  }
  return undefined;
}
