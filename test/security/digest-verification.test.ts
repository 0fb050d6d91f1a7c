/**
 * Content is checked against its digest: manifests fetched by digest or with
 * a `Docker-Content-Digest`, blobs as they stream, and the digest a registry
 * returns for a manifest put. A digest whose algorithm tagkeeper cannot
 * compute is an error before any request, never a pass. A strict undici
 * MockAgent serves the content and refuses the network.
 */
import { createHash } from 'node:crypto';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';

import { isTagkeeperError } from '../../src/errors.js';
import { getBlob, readBlob } from '../../src/registry/blobs.js';
import { RegistryClient } from '../../src/registry/client.js';
import { getManifest, headManifest, putManifest } from '../../src/registry/manifests.js';
import { parseReference, parseRepository } from '../../src/registry/reference.js';
import { createTransport } from '../../src/registry/transport/index.js';
import type { RegistryTransport } from '../../src/registry/transport-types.js';
import { MediaType } from '../../src/registry/wire.js';

const ORIGIN = 'https://registry.example';
const BLOB = Buffer.from('{"architecture":"amd64","os":"linux"}');
const BLOB_DIGEST = digestOf(BLOB);
const ALTERED = Buffer.from(BLOB.toString().replace('amd64', 'arm64'));
const MANIFEST = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: BLOB_DIGEST, size: BLOB.length }, layers: [] }),
);
const MANIFEST_DIGEST = digestOf(MANIFEST);

function digestOf(bytes: Buffer, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

let agent: MockAgent;
let transport: RegistryTransport;
let requests: string[];

function serve(answers: Array<{ method: string; path: string; status: number; body?: Buffer; headers?: Record<string, string> }>): void {
  agent = new MockAgent();
  agent.disableNetConnect();
  requests = [];
  const pool = agent.get(ORIGIN);
  for (const answer of answers) {
    pool.intercept({ method: answer.method, path: answer.path }).reply((options) => {
      requests.push(`${options.method} ${options.path}`);
      return { statusCode: answer.status, data: answer.body ?? '', responseOptions: { headers: answer.headers ?? {} } };
    });
  }
  transport = createTransport({ dispatcher: agent, credentials: { get: async () => undefined }, retry: { maxAttempts: 1 }, env: {} });
}

afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await transport.close();
  await agent.close();
});

async function failureOf(operation: () => Promise<unknown>): Promise<unknown> {
  return operation().then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('blob digests', () => {
  it('fails a streamed blob whose bytes were altered', async () => {
    serve([{ method: 'GET', path: `/v2/app/blobs/${BLOB_DIGEST}`, status: 200, body: ALTERED, headers: { 'content-length': String(ALTERED.length) } }]);

    const download = await getBlob(transport, parseRepository('registry.example/app'), BLOB_DIGEST);
    const error = await failureOf(async () => {
      for await (const chunk of download.stream) void chunk;
    });

    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH', expected: BLOB_DIGEST, actual: digestOf(ALTERED) });
  });

  it.each([
    { name: 'altered', body: ALTERED, code: 'DIGEST_MISMATCH' },
    { name: 'one byte longer', body: Buffer.concat([BLOB, Buffer.from(' ')]), code: 'SIZE_MISMATCH' },
  ])('fails a read blob that is $name', async ({ body, code }) => {
    serve([{ method: 'GET', path: `/v2/app/blobs/${BLOB_DIGEST}`, status: 200, body }]);

    const error = await failureOf(() => readBlob(transport, parseRepository('registry.example/app'), BLOB_DIGEST, { maxBytes: 1024, size: BLOB.length }));

    expect(isTagkeeperError(error), String(error)).toBe(true);
    expect(error).toMatchObject({ code });
  });

  it('reads a blob whose bytes match', async () => {
    serve([{ method: 'GET', path: `/v2/app/blobs/${BLOB_DIGEST}`, status: 200, body: BLOB }]);

    const bytes = await readBlob(transport, parseRepository('registry.example/app'), BLOB_DIGEST, { maxBytes: 1024 });

    expect(bytes.equals(BLOB)).toBe(true);
  });
});

describe('manifest digests', () => {
  it('verifies a manifest fetched by a sha512 digest', async () => {
    const digest = digestOf(MANIFEST, 'sha512');
    serve([{ method: 'GET', path: `/v2/app/manifests/${digest}`, status: 200, body: MANIFEST, headers: { 'content-type': MediaType.ociManifest } }]);

    const fetched = await getManifest(transport, parseReference(`registry.example/app@${digest}`));

    expect(fetched.descriptor.digest).toBe(digest);
  });

  it('fetches and verifies the bytes when HEAD announces another algorithm', async () => {
    serve([
      {
        method: 'HEAD',
        path: `/v2/app/manifests/${MANIFEST_DIGEST}`,
        status: 200,
        headers: { 'content-type': MediaType.ociManifest, 'docker-content-digest': digestOf(MANIFEST, 'sha512'), 'content-length': String(MANIFEST.length) },
      },
      { method: 'GET', path: `/v2/app/manifests/${MANIFEST_DIGEST}`, status: 200, body: Buffer.from(`${MANIFEST.toString()} `), headers: { 'content-type': MediaType.ociManifest } },
    ]);

    const error = await failureOf(() => headManifest(transport, parseReference(`registry.example/app@${MANIFEST_DIGEST}`)));

    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH', expected: MANIFEST_DIGEST });
  });

  it('fails a put whose returned digest disagrees with the bytes', async () => {
    serve([{ method: 'PUT', path: '/v2/app/manifests/1', status: 201, headers: { 'docker-content-digest': `sha256:${'0'.repeat(64)}` } }]);

    const error = await failureOf(() => putManifest(transport, parseReference('registry.example/app:1'), MANIFEST, MediaType.ociManifest));

    expect(error).toMatchObject({ code: 'DIGEST_MISMATCH', expected: MANIFEST_DIGEST, actual: `sha256:${'0'.repeat(64)}` });
  });
});

describe('digests that cannot be verified', () => {
  it.each([
    { name: 'sha384', digest: `sha384:${'a'.repeat(96)}` },
    { name: 'md5', digest: `md5:${'a'.repeat(32)}` },
    { name: 'upper-case hex', digest: `sha256:${'A'.repeat(64)}` },
    { name: 'short hex', digest: `sha256:${'a'.repeat(63)}` },
    { name: 'a path', digest: 'sha256:../../etc/passwd' },
  ])('rejects a $name digest before any request', async ({ digest }) => {
    serve([]);
    const client = new RegistryClient({ transport });

    // The client checks a hand-built reference again, so a digest from any source is validated.
    const manifest = await failureOf(() => client.getManifest({ registry: 'registry.example', repository: 'app', digest }));
    const blob = await failureOf(() => client.getBlob('registry.example/app', digest));
    const reference = await failureOf(async () => parseReference(`registry.example/app@${digest}`));

    for (const error of [manifest, blob, reference]) {
      expect(isTagkeeperError(error), String(error)).toBe(true);
      expect(['INVALID_DIGEST', 'INVALID_REFERENCE']).toContain((error as { code: string }).code);
    }
    expect(requests).toEqual([]);
  });

  it('fails a sha384 manifest the registry serves without validation first', async () => {
    const digest = `sha384:${'a'.repeat(96)}`;
    serve([{ method: 'GET', path: `/v2/app/manifests/${digest}`, status: 200, body: MANIFEST, headers: { 'content-type': MediaType.ociManifest } }]);

    // The function-level API takes references as they are, so the check happens on the bytes.
    const error = await failureOf(() => getManifest(transport, { registry: 'registry.example', repository: 'app', digest }));

    expect(error).toMatchObject({ code: 'INVALID_DIGEST', message: expect.stringContaining('unsupported digest algorithm "sha384"') });
  });
});
