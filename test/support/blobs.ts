/**
 * Writes blobs into the `blobs/sha256/` folder of an OCI image layout
 * (image-spec v1.1.0, image-layout.md), streaming, with the digest computed on
 * the way so large layers never sit in memory.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** A blob stored in a layout: its digest (`sha256:<hex>`) and size in bytes. */
export interface StoredBlob {
  digest: string;
  size: number;
}

/** A layer stored in a layout, with the digest of its uncompressed tar (the config's `diff_id`). */
export interface StoredLayer extends StoredBlob {
  diffId: string;
}

/** Returns the path of the blob with `digest` inside `layoutDir`. */
export function blobPath(layoutDir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return path.join(layoutDir, 'blobs', algorithm ?? '', hex ?? '');
}

/** Stores bytes held in memory (configs, manifests) and returns their descriptor fields. */
export async function storeBlob(layoutDir: string, content: Buffer): Promise<StoredBlob> {
  const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  const target = blobPath(layoutDir, digest);
  const partial = await partialPath(layoutDir);
  await writeFile(partial, content);
  await rename(partial, target);
  return { digest, size: content.length };
}

/**
 * Streams an uncompressed layer tar into the layout, gzip-compressed when
 * `gzip` is true, and returns the digest and size of the stored bytes and the
 * digest of the uncompressed tar.
 */
export async function storeLayer(
  layoutDir: string,
  tar: Iterable<Buffer> | AsyncIterable<Buffer>,
  gzip: boolean,
): Promise<StoredLayer> {
  const uncompressed = new DigestCounter();
  const stored = new DigestCounter();
  const partial = await partialPath(layoutDir);

  try {
    const sink = createWriteStream(partial);
    if (gzip) {
      // Level 6 is the zlib default. Fixing it keeps the compressed bytes, and so the digest, stable.
      await pipeline(Readable.from(tar), uncompressed, createGzip({ level: 6 }), stored, sink);
    } else {
      await pipeline(Readable.from(tar), uncompressed, stored, sink);
    }
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }

  const digest = stored.digest();
  await rename(partial, blobPath(layoutDir, digest));
  return { digest, size: stored.size, diffId: uncompressed.digest() };
}

/** Creates `blobs/sha256/` and returns a fresh temporary file name inside it. */
async function partialPath(layoutDir: string): Promise<string> {
  const folder = path.join(layoutDir, 'blobs', 'sha256');
  await mkdir(folder, { recursive: true });
  // Written under a temporary name and renamed, so a blob file is complete or absent.
  return path.join(folder, `.partial-${randomUUID()}`);
}

/** A pass-through stream that computes the SHA-256 and size of what flows through it. */
class DigestCounter extends Transform {
  size = 0;
  private readonly hash: Hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}
