import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { computeDigest } from '../../src/registry/digest.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.js';
import { useDistribution } from '../support/registry-fixture.js';
import { anonymousClient } from './real-client.js';

const registry = useDistribution();
const CHUNK = 64 * 1024;
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startFaultProxy({ upstream: registry().url });
});

afterEach(() => {
  proxy.setRules([]);
});

afterAll(async () => {
  await proxy?.stop();
});

/** Returns a stream of `content` in pieces smaller than a chunk, as a network body would arrive. */
function streamOf(content: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < content.length; offset += 10_000) {
    pieces.push(content.subarray(offset, offset + 10_000));
  }
  return Readable.from(pieces);
}

describe('chunked upload after a failed PATCH', () => {
  const cases: Array<{ name: string; fault: Fault }> = [
    { name: 'never stored', fault: { kind: 'reset-before-body' } },
    { name: 'refused with HTTP 503', fault: { kind: 'status', status: 503 } },
  ];

  it.each(cases)('finishes when the chunk was $name', async ({ name, fault }) => {
    const content = randomBytes(3 * CHUNK + 123);
    const digest = computeDigest(content);
    const repository = `resume/${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
    proxy.setRules([{ name: 'second chunk', method: 'PATCH', path: /\/blobs\/uploads\//, nth: 2, fault }]);
    const client = anonymousClient();
    try {
      const result = await client.uploadBlob(`${proxy.host}/${repository}`, streamOf(content), { chunkSize: CHUNK });

      expect(result).toEqual({ digest, size: content.length });
      expect(proxy.injected()['second chunk']).toBe(1);
      const stored = await client.getBlob(`${registry().host}/${repository}`, digest);
      expect((await buffer(stored.stream)).equals(content)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('stops when the registry stored the chunk but the response was lost', async () => {
    // Distribution accepts the upload status only with the `_state` of the newest Location, which the
    // lost response carried, so the session cannot go on.
    const content = randomBytes(2 * CHUNK);
    proxy.setRules([{ name: 'second chunk', method: 'PATCH', path: /\/blobs\/uploads\//, nth: 2, fault: { kind: 'reset-after-body' } }]);
    const client = anonymousClient();
    try {
      const failure = await client.uploadBlob(`${proxy.host}/resume/lost`, streamOf(content), { chunkSize: CHUNK }).catch((error: unknown) => error);

      expect(failure).toMatchObject({ code: 'NETWORK', method: 'PATCH' });
    } finally {
      await client.close();
    }
  });

  it('stops when every resend fails', async () => {
    const content = randomBytes(2 * CHUNK);
    proxy.setRules([{ name: 'every chunk', method: 'PATCH', path: /\/blobs\/uploads\//, nth: 'every', fault: { kind: 'reset-before-body' } }]);
    const client = anonymousClient();
    try {
      const failure = await client.uploadBlob(`${proxy.host}/resume/always`, streamOf(content), { chunkSize: CHUNK }).catch((error: unknown) => error);

      expect(failure).toMatchObject({ code: 'NETWORK' });
      // The first PATCH and three resends, then the upload is given up.
      expect(proxy.matched()['every chunk']).toBe(4);
    } finally {
      await client.close();
    }
  });
});
