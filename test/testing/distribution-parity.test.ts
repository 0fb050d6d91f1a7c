/**
 * Runs the same request sequences against CNCF Distribution 2.8 and the
 * in-memory registry and compares what a client can observe: statuses,
 * error codes and the headers clients read. Where the memory registry
 * follows the spec instead of a Distribution bug, a separate test asserts the
 * status of each registry, so a change on either side shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MediaType } from '../../src/registry/wire.js';
import type { MemoryRegistry } from '../../src/testing/index.js';
import { startDistribution, type Distribution } from '../support/distribution.js';
import { startMemoryRegistry } from '../../src/testing/index.js';
import { basicAuthorization, errorCodes, header, send, sha256, type Reply } from './helpers.js';

const ZERO_DIGEST = `sha256:${'0'.repeat(64)}`;
const OCI_ACCEPT = [MediaType.ociManifest, MediaType.ociIndex].join(', ');

/** What a client observes of one reply, with origins, upload state and upload ids replaced by placeholders. */
interface Observation {
  step: string;
  status: number;
  codes: string[];
  headers: Record<string, string | undefined>;
}

type Target = { url: string };

/** Records one step; `headers` lists the headers to compare, lower-case. */
function observe(target: Target, step: string, reply: Reply, headers: string[] = []): Observation {
  const picked: Record<string, string | undefined> = {};
  for (const name of headers) {
    const value = header(reply, name);
    picked[name] = value
      ?.replace(target.url, '<origin>')
      .replace(/_state=[^&]+/, '_state=<state>')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, '<uuid>');
  }
  return { step, status: reply.status, codes: reply.headers['content-type']?.toString().includes('json') ? errorCodes(reply) : [], headers: picked };
}

/** Returns a scope with its actions sorted, such as `repository:app:pull,push`. */
function sortActions(scope: string | undefined): string | undefined {
  if (scope === undefined) {
    return undefined;
  }
  const last = scope.lastIndexOf(':');
  return `${scope.slice(0, last)}:${scope.slice(last + 1).split(',').sort().join(',')}`;
}

/** Uploads `content` in two PATCH chunks and a PUT, observing each step. */
async function chunkedUpload(target: Target, repository: string, content: string, log: Observation[]): Promise<void> {
  const started = await send(target, 'POST', `/v2/${repository}/blobs/uploads/`);
  log.push(observe(target, 'upload start', started, ['range', 'content-length']));
  const half = Math.floor(content.length / 2);
  let location = header(started, 'location') ?? '';
  for (const [step, chunk, range] of [
    ['first chunk', content.slice(0, half), `0-${half - 1}`],
    ['second chunk', content.slice(half), `${half}-${content.length - 1}`],
  ] as const) {
    const patched = await send(target, 'PATCH', location, {
      body: chunk,
      headers: { 'content-type': 'application/octet-stream', 'content-range': range },
    });
    log.push(observe(target, step, patched, ['range']));
    location = header(patched, 'location') ?? '';
  }
  const done = await send(target, 'PUT', `${location}&digest=${sha256(content)}`, { headers: { 'content-type': 'application/octet-stream' } });
  log.push(observe(target, 'upload complete', done, ['location', 'docker-content-digest']));
}

/** Pushes a config and a layer and returns an OCI and a Docker manifest over them. */
async function pushBlobs(target: Target, repository: string, log: Observation[]): Promise<{ oci: string; docker: string }> {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
  const layer = 'layer content of the parity test';
  await chunkedUpload(target, repository, config, log);
  await chunkedUpload(target, repository, layer, log);
  const descriptors = (docker: boolean) => ({
    config: { mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig, digest: sha256(config), size: config.length },
    layers: [{ mediaType: docker ? MediaType.dockerLayerTarGzip : MediaType.ociLayerTar, digest: sha256(layer), size: layer.length }],
  });
  return {
    oci: JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, ...descriptors(false) }),
    docker: JSON.stringify({ schemaVersion: 2, mediaType: MediaType.dockerManifest, ...descriptors(true) }),
  };
}

/** Runs the request sequence that both registries must handle alike and returns what was observed. */
async function pushAndPullScenario(target: Target): Promise<Observation[]> {
  const log: Observation[] = [];
  log.push(observe(target, 'base', await send(target, 'GET', '/v2/'), ['docker-distribution-api-version']));
  log.push(observe(target, 'tags of unknown repository', await send(target, 'GET', '/v2/app/tags/list')));

  const { oci, docker } = await pushBlobs(target, 'app', log);
  const layerDigest = sha256('layer content of the parity test');
  const blobHeaders = ['content-length', 'content-type', 'docker-content-digest', 'etag', 'accept-ranges'];
  log.push(observe(target, 'blob HEAD', await send(target, 'HEAD', `/v2/app/blobs/${layerDigest}`), blobHeaders));
  log.push(observe(target, 'blob range', await send(target, 'GET', `/v2/app/blobs/${layerDigest}`, { headers: { range: 'bytes=0-3' } }), ['content-range']));
  log.push(observe(target, 'blob in another repository', await send(target, 'HEAD', `/v2/other/blobs/${layerDigest}`)));

  const putOci = await send(target, 'PUT', '/v2/app/manifests/1.0', { body: oci, headers: { 'content-type': MediaType.ociManifest } });
  log.push(observe(target, 'OCI manifest PUT', putOci, ['location', 'docker-content-digest']));
  const putDocker = await send(target, 'PUT', '/v2/app/manifests/docker', { body: docker, headers: { 'content-type': MediaType.dockerManifest } });
  log.push(observe(target, 'Docker manifest PUT', putDocker, ['docker-content-digest']));
  const manifestHeaders = ['content-type', 'content-length', 'docker-content-digest', 'etag'];
  log.push(observe(target, 'OCI manifest GET', await send(target, 'GET', '/v2/app/manifests/1.0', { headers: { accept: OCI_ACCEPT } }), manifestHeaders));
  log.push(observe(target, 'OCI manifest without Accept', await send(target, 'GET', '/v2/app/manifests/1.0')));
  log.push(observe(target, 'OCI manifest by digest without Accept', await send(target, 'GET', `/v2/app/manifests/${sha256(oci)}`)));
  log.push(observe(target, 'Docker manifest by tag without Accept', await send(target, 'GET', '/v2/app/manifests/docker')));
  log.push(observe(target, 'Docker manifest by digest without Accept', await send(target, 'GET', `/v2/app/manifests/${sha256(docker)}`), manifestHeaders));

  const list = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.dockerManifestList,
    manifests: [{ mediaType: MediaType.dockerManifest, digest: sha256(docker), size: docker.length, platform: { os: 'linux', architecture: 'amd64' } }],
  });
  log.push(observe(target, 'manifest list PUT', await send(target, 'PUT', '/v2/app/manifests/list', { body: list, headers: { 'content-type': MediaType.dockerManifestList } })));
  log.push(observe(target, 'manifest list as Docker manifest', await send(target, 'GET', '/v2/app/manifests/list', { headers: { accept: MediaType.dockerManifest } }), ['docker-content-digest']));
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [{ mediaType: MediaType.ociManifest, digest: sha256(oci), size: oci.length }],
  });
  log.push(observe(target, 'OCI index PUT', await send(target, 'PUT', '/v2/app/manifests/index', { body: index, headers: { 'content-type': MediaType.ociIndex } })));
  log.push(observe(target, 'OCI index without Accept', await send(target, 'GET', '/v2/app/manifests/index', { headers: { accept: MediaType.ociManifest } })));

  const missing = oci.replace(sha256('layer content of the parity test'), ZERO_DIGEST);
  log.push(observe(target, 'manifest with a missing layer', await send(target, 'PUT', '/v2/app/manifests/broken', { body: missing, headers: { 'content-type': MediaType.ociManifest } })));
  log.push(observe(target, 'manifest with a wrong Content-Type', await send(target, 'PUT', '/v2/app/manifests/broken', { body: oci, headers: { 'content-type': MediaType.dockerManifest } })));
  log.push(observe(target, 'manifest PUT by a wrong digest', await send(target, 'PUT', `/v2/app/manifests/${ZERO_DIGEST}`, { body: oci, headers: { 'content-type': MediaType.ociManifest } })));
  log.push(observe(target, 'manifest GET of an unknown tag', await send(target, 'GET', '/v2/app/manifests/none', { headers: { accept: OCI_ACCEPT } })));

  log.push(observe(target, 'mount from a repository with the blob', await send(target, 'POST', `/v2/derived/blobs/uploads/?mount=${layerDigest}&from=app`), ['location', 'docker-content-digest']));
  log.push(observe(target, 'mount from a repository without the blob', await send(target, 'POST', `/v2/derived/blobs/uploads/?mount=${ZERO_DIGEST}&from=app`)));

  const started = await send(target, 'POST', '/v2/app/blobs/uploads/');
  const first = header(started, 'location') ?? '';
  const patched = await send(target, 'PATCH', first, { body: 'abc', headers: { 'content-type': 'application/octet-stream' } });
  log.push(observe(target, 'PATCH to an out-of-date Location', await send(target, 'PATCH', first, { body: 'def', headers: { 'content-type': 'application/octet-stream' } })));
  log.push(observe(target, 'upload URL without _state', await send(target, 'GET', first.split('?')[0] ?? '')));
  log.push(observe(target, 'upload status', await send(target, 'GET', header(patched, 'location') ?? ''), ['range', 'docker-upload-uuid']));
  log.push(observe(target, 'upload PUT with a wrong digest', await send(target, 'PUT', `${header(patched, 'location')}&digest=${ZERO_DIGEST}`)));
  const cancelled = await send(target, 'POST', '/v2/app/blobs/uploads/');
  log.push(observe(target, 'upload cancel', await send(target, 'DELETE', header(cancelled, 'location') ?? '')));
  log.push(observe(target, 'upload cancel twice', await send(target, 'DELETE', header(cancelled, 'location') ?? '')));

  const tags = await send(target, 'GET', '/v2/app/tags/list');
  log.push({ ...observe(target, 'tags', tags), headers: { tags: JSON.stringify(((tags.json as { tags: string[] }).tags ?? []).sort()) } });
  log.push(observe(target, 'manifest DELETE', await send(target, 'DELETE', `/v2/app/manifests/${sha256(oci)}`)));
  log.push(observe(target, 'manifest DELETE twice', await send(target, 'DELETE', `/v2/app/manifests/${sha256(oci)}`)));
  log.push(observe(target, 'blob DELETE', await send(target, 'DELETE', `/v2/derived/blobs/${layerDigest}`)));
  log.push(observe(target, 'blob DELETE twice', await send(target, 'DELETE', `/v2/derived/blobs/${layerDigest}`)));
  for (const tag of ['docker', 'list', 'index']) {
    const head = await send(target, 'HEAD', `/v2/app/manifests/${tag}`, { headers: { accept: [OCI_ACCEPT, MediaType.dockerManifestList, MediaType.dockerManifest].join(', ') } });
    await send(target, 'DELETE', `/v2/app/manifests/${header(head, 'docker-content-digest')}`);
  }
  const emptied = await send(target, 'GET', '/v2/app/tags/list');
  log.push({ ...observe(target, 'tags after deleting every manifest', emptied), headers: { body: emptied.text.trim() } });

  log.push(observe(target, 'catalog page', await send(target, 'GET', '/v2/_catalog?n=1'), ['link']));
  return log;
}

describe('memory registry compared with Distribution 2.8', () => {
  let distribution: Distribution;
  let memory: MemoryRegistry;

  beforeAll(async () => {
    distribution = await startDistribution();
    memory = await startMemoryRegistry();
  });

  afterAll(async () => {
    await distribution?.stop();
    await memory?.close();
  });

  it('handles a push, pull and delete sequence alike', async () => {
    const expected = await pushAndPullScenario(distribution);
    const actual = await pushAndPullScenario(memory);

    expect(actual.map((entry) => entry.step)).toEqual(expected.map((entry) => entry.step));
    for (const [position, observation] of actual.entries()) {
      expect(observation, observation.step).toEqual(expected[position]);
    }
  });

  it.each<[string, string, string, Record<string, string>, string | undefined, [number, number]]>([
    // Distribution's filesystem driver fails on a malformed digest with 500, where the spec expects 400 DIGEST_INVALID.
    ['a malformed manifest digest', 'GET', '/v2/app/manifests/sha256:abc', {}, undefined, [500, 400]],
    // Distribution's router finds no route for an invalid tag; the memory registry names the problem.
    ['an invalid tag', 'GET', '/v2/app/manifests/-bad', {}, undefined, [404, 400]],
    // Distribution 2.8 ignores ?digest= on POST; the spec's monolithic upload stores the blob.
    ['a monolithic POST', 'POST', `/v2/app/blobs/uploads/?digest=${sha256('x')}`, { 'content-type': 'application/octet-stream' }, 'x', [202, 201]],
    // Distribution 2.8 only deletes by digest; distribution-spec v1.1.0 allows deleting a tag.
    ['a DELETE by tag', 'DELETE', '/v2/app/manifests/1.0', {}, undefined, [400, 404]],
  ])('deviates on %s as the spec asks', async (_case, method, path, headers, body, [distributionStatus, memoryStatus]) => {
    const fromDistribution = await send(distribution, method, path, { headers, body });
    const fromMemory = await send(memory, method, path, { headers, body });

    expect(fromDistribution.status).toBe(distributionStatus);
    expect(fromMemory.status).toBe(memoryStatus);
  });

  it('sends a valid 416 for a range past the end', async () => {
    const content = 'ranged blob';
    for (const registry of [distribution, memory]) {
      await send(registry, 'POST', `/v2/ranged/blobs/uploads/?digest=${sha256(content)}`, { body: content });
      const started = await send(registry, 'POST', '/v2/ranged/blobs/uploads/');
      await send(registry, 'PUT', `${header(started, 'location')}&digest=${sha256(content)}`, {
        body: content,
        headers: { 'content-type': 'application/octet-stream' },
      });
    }
    const path = `/v2/ranged/blobs/${sha256(content)}`;

    // Distribution 2.8.2 sends the blob's Content-Length with a shorter error text, so the client sees the connection close early.
    await expect(send(distribution, 'GET', path, { headers: { range: 'bytes=999-' } })).rejects.toThrow(/other side closed/);
    const fromMemory = await send(memory, 'GET', path, { headers: { range: 'bytes=999-' } });
    expect(fromMemory.status).toBe(416);
    expect(header(fromMemory, 'content-range')).toBe(`bytes */${content.length}`);
  });
});

describe('auth challenges compared with Distribution 2.8', () => {
  let htpasswd: Distribution;
  let token: Distribution;
  let basicMemory: MemoryRegistry;
  let tokenMemory: MemoryRegistry;
  const user = { username: 'tester', password: 's3cret-pass' };

  beforeAll(async () => {
    [htpasswd, token] = await Promise.all([startDistribution({ auth: 'htpasswd', users: [user] }), startDistribution({ auth: 'token', users: [user] })]);
    basicMemory = await startMemoryRegistry({ auth: { type: 'basic', users: { [user.username]: user.password } } });
    tokenMemory = await startMemoryRegistry({ auth: { type: 'token', users: { [user.username]: user.password } } });
  });

  afterAll(async () => {
    await Promise.all([htpasswd?.stop(), token?.stop(), basicMemory?.close(), tokenMemory?.close()]);
  });

  /** Requests a token from the realm of a challenge. */
  async function tokenFor(challenge: string, scopes: string[]): Promise<string> {
    const realm = /realm="([^"]+)"/.exec(challenge)?.[1] ?? '';
    const service = /service="([^"]+)"/.exec(challenge)?.[1] ?? '';
    const query = new URLSearchParams({ service });
    scopes.forEach((scope) => query.append('scope', scope));
    const reply = await send({ url: realm }, 'GET', `${realm}?${query}`, {
      headers: { authorization: basicAuthorization(user.username, user.password) },
    });
    return (reply.json as { token: string }).token;
  }

  it('challenges basic auth alike', async () => {
    for (const registry of [htpasswd, basicMemory]) {
      const anonymous = await send(registry, 'GET', '/v2/');
      const wrong = await send(registry, 'GET', '/v2/', { headers: { authorization: basicAuthorization(user.username, 'wrong') } });
      const right = await send(registry, 'GET', '/v2/', { headers: { authorization: basicAuthorization(user.username, user.password) } });

      expect([anonymous.status, wrong.status, right.status]).toEqual([401, 401, 200]);
      expect(header(anonymous, 'www-authenticate')).toMatch(/^Basic realm="[^"]+"$/);
      expect(errorCodes(anonymous)).toEqual(['UNAUTHORIZED']);
    }
  });

  it.each([
    ['GET', '/v2/', undefined],
    ['GET', '/v2/app/tags/list', 'repository:app:pull'],
    ['POST', '/v2/app/blobs/uploads/', 'repository:app:pull,push'],
    ['DELETE', `/v2/app/manifests/${ZERO_DIGEST}`, 'repository:app:delete'],
    ['GET', '/v2/_catalog', 'registry:catalog:*'],
  ])('challenges %s %s with the same scope', async (method, path, scope) => {
    for (const registry of [token, tokenMemory]) {
      const reply = await send(registry, method, path);

      expect(reply.status).toBe(401);
      // Distribution 2.8 lists the actions of a scope in random order (pull,push or push,pull).
      expect(sortActions(/scope="([^"]+)"/.exec(header(reply, 'www-authenticate') ?? '')?.[1])).toBe(scope);
      expect(errorCodes(reply)).toEqual(['UNAUTHORIZED']);
    }
  });

  it('responds to a token without the needed scope alike', async () => {
    for (const registry of [token, tokenMemory]) {
      const challenge = header(await send(registry, 'GET', '/v2/app/tags/list'), 'www-authenticate') ?? '';
      const pullToken = await tokenFor(challenge, ['repository:app:pull']);

      const push = await send(registry, 'POST', '/v2/app/blobs/uploads/', { headers: { authorization: `Bearer ${pullToken}` } });
      const base = await send(registry, 'GET', '/v2/', { headers: { authorization: `Bearer ${pullToken}` } });

      expect(push.status).toBe(401);
      expect(sortActions(/scope="([^"]+)"/.exec(header(push, 'www-authenticate') ?? '')?.[1])).toBe('repository:app:pull,push');
      expect(header(push, 'www-authenticate')).toContain('error="insufficient_scope"');
      expect(base.status).toBe(200);
    }
  });
});
