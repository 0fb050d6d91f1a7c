import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryClient } from '../../src/registry/client.js';
import { computeDigest } from '../../src/registry/digest.js';
import { useDistribution } from '../support/registry-fixture.js';
import { anonymousClient } from './real-client.js';

const registry = useDistribution();
let client: RegistryClient;

beforeAll(() => {
  client = anonymousClient();
});

afterAll(async () => {
  await client?.close();
});

/** Content of `size` random bytes with its digest. */
function randomBlob(size: number): { content: Buffer; digest: string } {
  const content = randomBytes(size);
  return { content, digest: computeDigest(content) };
}

/** Returns a stream that yields `content` in pieces of `piece` bytes, as a network body would. */
function streamOf(content: Buffer, piece = 7919): Readable {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < content.length; offset += piece) {
    pieces.push(content.subarray(offset, offset + piece));
  }
  return Readable.from(pieces);
}

async function download(repository: string, digest: string): Promise<Buffer> {
  const blob = await client.getBlob(`${registry().host}/${repository}`, digest);
  return buffer(blob.stream);
}

describe('blob uploads against Distribution', () => {
  it('uploads buffered content monolithic', async () => {
    const { content, digest } = randomBlob(100_000);
    expect(await client.uploadBlob(`${registry().host}/blobs/mono`, content)).toEqual({ digest, size: content.length });

    expect(await client.headBlob(`${registry().host}/blobs/mono`, digest)).toEqual({ digest, size: content.length });
    expect((await download('blobs/mono', digest)).equals(content)).toBe(true);
  });

  it('falls back to PUT when a single POST opens a session', async () => {
    const { content, digest } = randomBlob(5_000);
    expect(await client.uploadBlob(`${registry().host}/blobs/post`, content, { singlePost: true })).toEqual({ digest, size: content.length });
    expect((await download('blobs/post', digest)).equals(content)).toBe(true);
  });

  it('uploads a stream of unknown size in chunks and computes the digest', async () => {
    const { content, digest } = randomBlob(300_001);
    const result = await client.uploadBlob(`${registry().host}/blobs/chunked`, streamOf(content), { chunkSize: 64 * 1024 });

    expect(result).toEqual({ digest, size: content.length });
    expect((await download('blobs/chunked', digest)).equals(content)).toBe(true);
  });

  it('uploads an empty stream', async () => {
    const empty = computeDigest(Buffer.alloc(0));
    expect(await client.uploadBlob(`${registry().host}/blobs/empty`, Readable.from([]))).toEqual({ digest: empty, size: 0 });
    expect(await client.blobExists(`${registry().host}/blobs/empty`, empty)).toBe(true);
  });

  it('pipes a stream of known digest and size into one PUT', async () => {
    const { content, digest } = randomBlob(2 * 1024 * 1024 + 3);
    const result = await client.uploadBlob(`${registry().host}/blobs/streamed`, streamOf(content, 65_536), { digest, size: content.length });

    expect(result).toEqual({ digest, size: content.length });
    expect((await download('blobs/streamed', digest)).equals(content)).toBe(true);
  });

  it('fails a streamed PUT whose content differs from the digest', async () => {
    const { content } = randomBlob(50_000);
    const claimed = computeDigest('something else');
    await expect(client.uploadBlob(`${registry().host}/blobs/wrong`, streamOf(content), { digest: claimed, size: content.length })).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      expected: claimed,
    });
    expect(await client.blobExists(`${registry().host}/blobs/wrong`, claimed)).toBe(false);
  });

  it('fails a streamed PUT whose source breaks', async () => {
    const { content, digest } = randomBlob(50_000);
    const broken = new Readable({
      read() {
        this.push(content.subarray(0, 1000));
        this.destroy(new Error('source connection reset'));
      },
    });
    await expect(client.uploadBlob(`${registry().host}/blobs/broken`, broken, { digest, size: content.length })).rejects.toThrow('source connection reset');
    expect(await client.blobExists(`${registry().host}/blobs/broken`, digest)).toBe(false);
  });

  it('mounts a blob from another repository', async () => {
    const { content, digest } = randomBlob(10_000);
    await client.uploadBlob(`${registry().host}/blobs/source`, content);

    expect(await client.mountBlob(`${registry().host}/blobs/target`, digest, 'blobs/source')).toEqual({ mounted: true });
    expect((await download('blobs/target', digest)).equals(content)).toBe(true);
  });

  it('continues the upload when a mount cannot mount', async () => {
    const { content, digest } = randomBlob(10_000);
    const result = await client.mountBlob(`${registry().host}/blobs/fallback`, digest, 'blobs/source');

    expect(result.mounted).toBe(false);
    if (!result.mounted) {
      await client.uploadBlob(`${registry().host}/blobs/fallback`, content, { session: result.session });
    }
    expect((await download('blobs/fallback', digest)).equals(content)).toBe(true);
  });
});

describe('blob reads against Distribution', () => {
  it('reports a missing blob', async () => {
    const missing = computeDigest('never uploaded');
    expect(await client.blobExists(`${registry().host}/blobs/mono`, missing)).toBe(false);
    await expect(client.headBlob(`${registry().host}/blobs/mono`, missing)).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(client.getBlob(`${registry().host}/blobs/mono`, missing)).rejects.toMatchObject({ name: 'NotFoundError', code: 'BLOB_UNKNOWN' });
  });

  it('fails a download whose descriptor size is wrong', async () => {
    const { content, digest } = randomBlob(1_000);
    await client.uploadBlob(`${registry().host}/blobs/sized`, content);
    await expect(client.getBlob(`${registry().host}/blobs/sized`, digest, { size: 999 })).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
  });

  it('streams a large blob with a stable digest', async () => {
    const { content, digest } = randomBlob(8 * 1024 * 1024);
    await client.uploadBlob(`${registry().host}/blobs/large`, streamOf(content, 1 << 20), { digest, size: content.length });

    const blob = await client.getBlob(`${registry().host}/blobs/large`, digest, { size: content.length });
    const hash = createHash('sha256');
    for await (const chunk of blob.stream) {
      hash.update(chunk as Buffer);
    }
    expect(`sha256:${hash.digest('hex')}`).toBe(digest);
  });
});
