import { createCipheriv, createHash } from 'node:crypto';

/** Size of each chunk yielded by {@link randomBytesFromSeed}. */
const CHUNK_SIZE = 1024 * 1024;

/**
 * Yields `size` pseudo-random bytes derived from `seed`, one MiB at a time.
 * The same seed always gives the same bytes, and no more than one chunk is
 * held in memory, so layers of hundreds of MiB can be streamed to disk.
 *
 * The bytes are the AES-256-CTR keystream under the SHA-256 of the seed,
 * which costs less than hashing and writing the layer. They need to look
 * random to gzip and to a registry, not to an attacker.
 */
export function* randomBytesFromSeed(seed: string, size: number): Generator<Buffer> {
  const key = createHash('sha256').update(`tagkeeper-test-layer\0${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK_SIZE);

  for (let remaining = size; remaining > 0; remaining -= CHUNK_SIZE) {
    const length = Math.min(remaining, CHUNK_SIZE);
    yield cipher.update(length === CHUNK_SIZE ? zeros : zeros.subarray(0, length));
  }
}
