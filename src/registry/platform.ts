import { TagkeeperError } from '../errors.js';
import { readBlob } from './blobs.js';
import { blobPath } from './endpoints.js';
import { InvalidResponseError } from './errors.js';
import { isImageManifest, isIndexManifest, Platform, type Descriptor } from './manifest-schemas.js';
import { getManifest, type FetchedManifest, type OperationOptions } from './manifests.js';
import { formatReference, type Reference } from './reference.js';
import type { RegistryTransport } from './transport-types.js';
import { MAX_MANIFEST_BYTES } from './wire.js';

/**
 * Platforms (`os/architecture[/variant]`) and the choice of one child of an
 * index for a requested platform.
 */

/** The part of a {@link Platform} a caller requests: `linux/arm64/v8` is `{ os, architecture, variant }`. */
export type PlatformRequest = Pick<Platform, 'os' | 'architecture' | 'variant'>;

/** A platform string is not `os/architecture[/variant]`. */
export class InvalidPlatformError extends TagkeeperError {
  override readonly name = 'InvalidPlatformError';
  readonly code = 'INVALID_PLATFORM';

  constructor(readonly input: string) {
    super(`invalid platform ${JSON.stringify(input)}: expected os/architecture or os/architecture/variant, such as linux/amd64 or linux/arm64/v8`);
  }
}

/** An index has no manifest for the requested platform. */
export class PlatformNotFoundError extends TagkeeperError {
  override readonly name = 'PlatformNotFoundError';
  readonly code = 'PLATFORM_NOT_FOUND';

  constructor(
    /** The reference that was resolved. */
    readonly reference: string,
    readonly requested: PlatformRequest,
    /** Platforms the index or image offers. */
    readonly available: PlatformRequest[],
  ) {
    const offered = available.length === 0 ? 'none' : available.map(formatPlatform).join(', ');
    super(`${reference} has no manifest for platform ${formatPlatform(requested)}; available platforms: ${offered}`);
  }
}

const PLATFORM_PART = /^[A-Za-z0-9_.-]+$/;

/** Aliases some tools print for architectures, mapped to the Go names that manifests use. */
const ARCHITECTURE_ALIASES: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
};

/** Parses `os/architecture[/variant]`, such as `linux/amd64` or `linux/arm/v7`. */
export function parsePlatform(input: string): PlatformRequest {
  const parts = input.split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((part) => PLATFORM_PART.test(part))) {
    throw new InvalidPlatformError(input);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/** Formats a platform as `os/architecture[/variant]`. */
export function formatPlatform(platform: PlatformRequest): string {
  return [platform.os, platform.architecture, platform.variant].filter((part) => part !== undefined && part !== '').join('/');
}

/**
 * Returns `platform` with lower-case names, architecture aliases mapped
 * (`x86_64` is `amd64`) and the variants that Docker and containerd treat as
 * the default dropped: `arm64/v8` is plain `arm64`, `amd64/v1` plain `amd64`.
 */
export function normalizePlatform(platform: PlatformRequest): PlatformRequest {
  const os = platform.os.toLowerCase();
  const lowerArchitecture = platform.architecture.toLowerCase();
  const architecture = ARCHITECTURE_ALIASES[lowerArchitecture] ?? lowerArchitecture;
  let variant = platform.variant?.toLowerCase();
  if ((architecture === 'arm64' && variant === 'v8') || (architecture === 'amd64' && variant === 'v1') || variant === '') {
    variant = undefined;
  }
  if (lowerArchitecture === 'armhf' && variant === undefined) {
    variant = 'v7';
  }
  if (lowerArchitecture === 'armel' && variant === undefined) {
    variant = 'v6';
  }
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/**
 * Returns true when `candidate` serves `requested`. A request without a
 * variant accepts any variant; a request with one needs the same variant.
 */
export function platformMatches(requested: PlatformRequest, candidate: PlatformRequest): boolean {
  const want = normalizePlatform(requested);
  const have = normalizePlatform(candidate);
  if (want.os !== have.os || want.architecture !== have.architecture) {
    return false;
  }
  return want.variant === undefined || want.variant === have.variant;
}

/**
 * Picks the child of an index for `requested`. Without a requested variant,
 * a child without variant wins over one with a variant, and otherwise the
 * first match in index order wins, as the registry listed it. Children
 * without a platform (attestations, artifacts) are never picked. Throws
 * {@link PlatformNotFoundError} listing the platforms on offer when none matches.
 */
export function selectPlatformChild(reference: string, manifests: readonly Descriptor[], requested: PlatformRequest): Descriptor {
  const matches = manifests.filter((child) => child.platform !== undefined && platformMatches(requested, child.platform));
  const exact = matches.find((child) => child.platform !== undefined && normalizePlatform(child.platform).variant === undefined);
  const chosen = requested.variant === undefined ? (exact ?? matches[0]) : matches[0];
  if (chosen === undefined) {
    const available = manifests
      .map((child) => child.platform)
      .filter((platform): platform is Platform => platform !== undefined && !isUnknownPlatform(platform));
    throw new PlatformNotFoundError(reference, requested, available.map(toRequest));
  }
  return chosen;
}

/** The manifest resolved for one platform, with the platform it declares. */
export type ResolvedPlatform = FetchedManifest['descriptor'] & { platform: PlatformRequest };

/**
 * Resolves `reference` to the manifest for `platform`: the matching child of
 * an index, or the manifest itself when it is a single image whose config
 * names that platform. Throws {@link PlatformNotFoundError} listing what is
 * available otherwise.
 */
export async function resolvePlatform(
  transport: RegistryTransport,
  reference: Reference,
  platform: PlatformRequest,
  options: OperationOptions = {},
): Promise<ResolvedPlatform> {
  const fetched = await getManifest(transport, reference, options);
  const referenceText = formatReference(reference);
  if (isIndexManifest(fetched.manifest)) {
    const child = selectPlatformChild(referenceText, fetched.manifest.manifests, platform);
    return { mediaType: child.mediaType, digest: child.digest, size: child.size, platform: toRequest(child.platform ?? platform) };
  }
  if (!isImageManifest(fetched.manifest)) {
    throw new PlatformNotFoundError(referenceText, platform, []);
  }

  // A single image states its platform only in its config, which is small; it is read with the manifest cap.
  const { config } = fetched.manifest;
  const bytes = await readBlob(transport, reference, config.digest, { size: config.size, maxBytes: MAX_MANIFEST_BYTES, signal: options.signal });
  const configPlatform = parseConfigPlatform(bytes, reference, config.digest);
  if (!platformMatches(platform, configPlatform)) {
    throw new PlatformNotFoundError(referenceText, platform, [configPlatform]);
  }
  return { ...fetched.descriptor, platform: configPlatform };
}

function parseConfigPlatform(bytes: Buffer, reference: Reference, digest: string): PlatformRequest {
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch {
    document = undefined;
  }
  const result = Platform.safeParse(document);
  if (!result.success) {
    throw new InvalidResponseError({
      method: 'GET',
      url: blobPath(reference.repository, digest),
      reference: formatReference(reference),
      code: 'INVALID_CONFIG',
      message: `the image config ${digest} of ${formatReference(reference)} has no valid os and architecture, so its platform is unknown`,
    });
  }
  return toRequest(result.data);
}

/** Returns true for `unknown/unknown`, the platform BuildKit gives attestation manifests. */
function isUnknownPlatform(platform: PlatformRequest): boolean {
  return platform.os === 'unknown' && platform.architecture === 'unknown';
}

function toRequest(platform: PlatformRequest): PlatformRequest {
  return platform.variant === undefined ? { os: platform.os, architecture: platform.architecture } : { os: platform.os, architecture: platform.architecture, variant: platform.variant };
}
