import { blobExists, getBlob } from './blobs.js';
import { DigestMismatchError, isNotFoundError } from './errors.js';
import { isIndexManifest, referencedBlobs, type Descriptor } from './manifest-schemas.js';
import { getManifest, putManifest, type FetchedManifest } from './manifests.js';
import { formatReference, type Reference } from './reference.js';
import type { RegistryTransport } from './transport-types.js';
import { cancelUpload, mountBlob, uploadBlob, type UploadSession } from './uploads.js';
import { NON_DISTRIBUTABLE_LAYER_MEDIA_TYPES } from './wire.js';

/**
 * Copying an image, or an index with all its children, from one repository
 * to another on the same or another registry. Manifest bytes are put
 * unchanged, so every digest is preserved.
 */

/** Blob copies and manifest requests in flight at once, by default. */
export const DEFAULT_COPY_CONCURRENCY = 4;

/** Options of {@link copyImage}. */
export interface CopyOptions {
  /** Maximum blob copies and manifest requests in flight (default {@link DEFAULT_COPY_CONCURRENCY}). */
  concurrency?: number;
  signal?: AbortSignal;
}

/** Digest and counts of a finished copy. */
export interface CopyResult {
  /** The destination as written, with the copied digest: `registry/repository:tag@sha256:…`. */
  destination: string;
  /** Digest of the top manifest, the same at source and destination. */
  digest: string;
  mediaType: string;
  /** Manifests put, children of an index included. */
  manifests: number;
  blobs: {
    /** Blobs streamed from the source. */
    copied: number;
    /** Blobs mounted from the source repository on the same registry. */
    mounted: number;
    /** Blobs the destination already had, and non-distributable layers the source does not serve. */
    skipped: number;
  };
  /** Bytes streamed from source to destination. */
  bytesCopied: number;
}

/**
 * Copies `source` to `destination`. The destination's tag is used, else the
 * source's, else the manifest goes in by digest; a digest in `destination`
 * must equal the source's.
 *
 * Blobs on the same registry are mounted, blobs the destination has (HEAD)
 * are skipped, and the rest are streamed from GET into the upload, so memory
 * stays bounded whatever the layer size. Children of an index are put before
 * the index, and each blob is copied once even when several children share it.
 */
export async function copyImage(transport: RegistryTransport, source: Reference, destination: Reference, options: CopyOptions = {}): Promise<CopyResult> {
  const failure = new AbortController();
  const signal = options.signal === undefined ? failure.signal : AbortSignal.any([options.signal, failure.signal]);
  const copier = new TreeCopier(transport, source, destination, createLimiter(options.concurrency ?? DEFAULT_COPY_CONCURRENCY), signal);

  try {
    const top = await getManifest(transport, source, { signal });
    if (destination.digest !== undefined && destination.digest !== top.descriptor.digest) {
      throw new DigestMismatchError(destination.digest, top.descriptor.digest, `copy of ${formatReference(source)} to ${formatReference(destination)}`);
    }
    await copier.copyContent(top);

    const tag = destination.tag ?? (destination.digest === undefined ? source.tag : undefined);
    const target: Reference = {
      registry: destination.registry,
      repository: destination.repository,
      ...(tag === undefined ? {} : { tag }),
      digest: top.descriptor.digest,
    };
    await putManifest(transport, target, top.bytes, top.descriptor.mediaType, { signal });
    copier.result.manifests += 1;

    return {
      ...copier.result,
      destination: formatReference(target),
      digest: top.descriptor.digest,
      mediaType: top.descriptor.mediaType,
    };
  } catch (error) {
    // Stop the copies still in flight; the first failure is the one reported.
    failure.abort(error);
    throw error;
  }
}

type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** Copies the children and blobs below one manifest, recursively. */
class TreeCopier {
  readonly result = { manifests: 0, blobs: { copied: 0, mounted: 0, skipped: 0 }, bytesCopied: 0 };
  private readonly blobCopies = new Map<string, Promise<void>>();
  private readonly sameRegistry: boolean;

  constructor(
    private readonly transport: RegistryTransport,
    private readonly source: Reference,
    private readonly destination: Reference,
    private readonly limit: Limiter,
    private readonly signal: AbortSignal,
  ) {
    this.sameRegistry = source.registry === destination.registry;
  }

  /**
   * Copies what `fetched` points at: the children of an index (each put by
   * digest once its own content is there) or the blobs of an image. The
   * limiter wraps single requests only, never a wait on children, so nested
   * indexes cannot deadlock it.
   */
  async copyContent(fetched: FetchedManifest): Promise<void> {
    // TODO: referrers of the copied manifests (signatures, SBOMs found through the referrers API or `subject`) are not copied.
    if (isIndexManifest(fetched.manifest)) {
      await Promise.all(fetched.manifest.manifests.map((child) => this.copyChild(child)));
      return;
    }
    await Promise.all(referencedBlobs(fetched.manifest).map((blob) => this.copyBlobOnce(blob)));
  }

  private async copyChild(child: Descriptor): Promise<void> {
    const sourceChild = { registry: this.source.registry, repository: this.source.repository, digest: child.digest };
    const fetched = await this.limit(() => getManifest(this.transport, sourceChild, { signal: this.signal }));
    await this.copyContent(fetched);

    const target = { registry: this.destination.registry, repository: this.destination.repository, digest: child.digest };
    await this.limit(() => putManifest(this.transport, target, fetched.bytes, fetched.descriptor.mediaType, { signal: this.signal }));
    this.result.manifests += 1;
  }

  private copyBlobOnce(blob: Descriptor): Promise<void> {
    let copy = this.blobCopies.get(blob.digest);
    if (copy === undefined) {
      copy = this.limit(() => this.copyBlob(blob));
      this.blobCopies.set(blob.digest, copy);
    }
    return copy;
  }

  private async copyBlob(blob: Descriptor): Promise<void> {
    const { transport, signal } = this;
    let session: UploadSession | undefined;
    if (this.sameRegistry && this.source.repository !== this.destination.repository) {
      // Within one registry the mount comes first, because it succeeds whether or not the
      // destination has the blob. The HEAD is only needed when the mount fails.
      const mount = await mountBlob(transport, this.destination, blob.digest, this.source.repository, { signal });
      if (mount.mounted) {
        this.result.blobs.mounted += 1;
        return;
      }
      session = mount.session;
    }

    if (await blobExists(transport, this.destination, blob.digest, { signal })) {
      if (session !== undefined) {
        await cancelUpload(transport, session);
      }
      this.result.blobs.skipped += 1;
      return;
    }

    let download;
    try {
      download = await getBlob(transport, this.source, blob.digest, { size: blob.size, signal });
    } catch (error) {
      // Registries need not store non-distributable layers; a copy leaves them out as the source did.
      if (isNotFoundError(error) && NON_DISTRIBUTABLE_LAYER_MEDIA_TYPES.includes(blob.mediaType)) {
        this.result.blobs.skipped += 1;
        return;
      }
      throw error;
    }

    try {
      // The download checks digest and size as it streams, so the upload does not hash the layer again.
      await uploadBlob(transport, this.destination, download.stream, {
        digest: blob.digest,
        size: blob.size,
        signal,
        contentVerified: true,
        ...(session === undefined ? {} : { session }),
      });
    } finally {
      download.stream.destroy();
    }
    this.result.blobs.copied += 1;
    this.result.bytesCopied += blob.size;
  }
}

/** Returns a function that runs at most `concurrency` tasks at once, in call order. */
function createLimiter(concurrency: number): Limiter {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  let active = 0;
  const waiting: Array<() => void> = [];

  // A finished task hands its slot straight to the next waiter, so a new caller cannot take it in between.
  const acquire = async (): Promise<void> => {
    if (active < concurrency) {
      active += 1;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next === undefined) {
      active -= 1;
    } else {
      next();
    }
  };

  return async <T>(task: () => Promise<T>): Promise<T> => {
    await acquire();
    try {
      return await task();
    } finally {
      release();
    }
  };
}
