import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isImageResolveError, pinValues, resolverPort, type ImageResolveError, type ImageResolver, type PinMode } from '../../src/helm/index.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { ClientRegistry } from '../../src/release/client-registry.js';
import { Resolver } from '../../src/resolve/resolver.js';
import { buildIndex } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage, skopeoDigest } from '../support/skopeo.js';
import { readFixture, readFixtureTags } from './support/fixtures.js';
import { seedRegistry, type SeededRegistry } from './support/seed-registry.js';

const registry = useDistribution();
const guarded = useDistribution({ auth: 'htpasswd' });
let seeded: SeededRegistry;
let folder: string;
let client: RegistryClient;

/** Creates a client that reads no credential files of the machine running the tests. */
function anonymousClient(): RegistryClient {
  return new RegistryClient({ credentials: { get: async () => undefined } });
}

/**
 * Resolves `registry/path` at `host/registry/path`, a mirror of every
 * registry the fixtures name, through the real Resolver and registry client.
 * Records each reference it is asked for.
 */
function mirrorResolver(host: string, resolver: Resolver): ImageResolver & { calls: string[] } {
  const port = resolverPort(resolver);
  const calls: string[] = [];
  return {
    calls,
    async resolve(reference, options) {
      calls.push(reference);
      const resolved = await port.resolve(`${host}/${reference}`, options);
      return { ...resolved, reference };
    },
  };
}

function newResolver(): Resolver {
  return new Resolver({ registry: new ClientRegistry(client) });
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'tagkeeper-helm-real-'));
  client = anonymousClient();
  seeded = await seedRegistry(registry().host, join(folder, 'layout'), await readFixtureTags());
}, 120_000);

afterAll(async () => {
  await client?.close();
  await rm(folder, { recursive: true, force: true });
});

/** Fixtures whose tags all follow the scheme, so the real resolver finds the same immutable tags as the fake one. */
const CASES: Array<[string, PinMode]> = [
  ['bitnami-chart', 'tag'],
  ['bitnami-chart', 'both'],
  ['multi-document', 'both'],
  ['anchors', 'both'],
  ['global-registry', 'both'],
  ['subchart', 'both'],
  ['crlf', 'both'],
  ['strings', 'digest'],
];

describe('pinValues against Distribution with images pushed by skopeo', () => {
  it.each(CASES)('pins %s in %s mode to the expected file byte for byte', async (name, mode) => {
    const file = join(folder, `${name}.${mode}.yaml`);
    await writeFile(file, seeded.realDigests(await readFixture(`${name}.yaml`)));
    const expected = seeded.realDigests(await readFixture(`${name}.${mode}.expected.yaml`));

    await pinValues([file], { resolver: mirrorResolver(registry().host, newResolver()), mode });

    expect(await readFile(file, 'utf8')).toBe(expected);
  });

  it('writes digests that skopeo reads for the pinned tags', async () => {
    const file = join(folder, 'cross-check.yaml');
    await writeFile(file, seeded.realDigests(await readFixture('bitnami-chart.yaml')));

    const result = await pinValues([file], { resolver: mirrorResolver(registry().host, newResolver()), mode: 'both' });

    const changed = result.images.filter((image) => image.status === 'changed');
    expect(changed.length).toBe(12);
    for (const image of changed) {
      const pinned = parseReference(image.new as string);
      const byTag = await skopeoDigest(`docker://${registry().host}/${pinned.registry}/${pinned.repository}:${pinned.tag}`, { tlsVerify: false });
      expect(byTag, image.path).toBe(pinned.digest);
    }
  });

  it('resolves each reference once across files', async () => {
    const names = ['bitnami-chart', 'subchart', 'anchors'];
    const files = [];
    for (const name of names) {
      const file = join(folder, `once-${name}.yaml`);
      await writeFile(file, await readFixture(`${name}.yaml`));
      files.push(file);
    }
    const resolver = newResolver();
    const port = mirrorResolver(registry().host, resolver);

    await pinValues(files, { resolver: port, mode: 'both' });

    expect(port.calls.length).toBe(new Set(port.calls).size);
    expect(port.calls).toContain('docker.io/bitnami/postgresql:16');
    const repositories = new Set(port.calls.map((reference) => reference.split(':')[0]));
    expect(resolver.requests.listTags).toBeLessThanOrEqual(repositories.size);
  });

  it('resolves against the global registry the chart pulls from', async () => {
    const host = registry().host;
    const text = `global:\n  imageRegistry: ${host}/docker.io\nimage:\n  registry: docker.io\n  repository: bitnami/postgresql\n  tag: "16"\n`;
    const file = join(folder, 'direct.yaml');
    await writeFile(file, text);

    await pinValues([file], { resolver: resolverPort(newResolver()), mode: 'both' });

    const digest = seeded.digests.get('pg-16.1.0-r15');
    expect(await readFile(file, 'utf8')).toBe(text.replace('tag: "16"\n', `tag: "16.1.0-debian-11-r15"\n  digest: ${digest}\n`));
  });

  it('pins the digest of the requested platform of an index', async () => {
    const host = registry().host;
    const index = await buildIndex(join(folder, 'layout', 'multi'), 'multi', [
      { platform: { os: 'linux', architecture: 'amd64' }, seed: 'multi-amd64' },
      { platform: { os: 'linux', architecture: 'arm64' }, seed: 'multi-arm64' },
    ]);
    for (const tag of ['1', '1.0.0-debian-12-r0']) await pushImage(index, { host }, `bitnami/multi:${tag}`);
    const arm64 = index.platforms?.find((manifest) => manifest.platform?.architecture === 'arm64')?.digest;
    const file = join(folder, 'platform.yaml');
    await writeFile(file, `image: ${host}/bitnami/multi:1\n`);

    const result = await pinValues([file], { resolver: resolverPort(newResolver()), mode: 'both', platform: { os: 'linux', architecture: 'arm64' } });

    expect(arm64).toBeDefined();
    expect(arm64).not.toBe(index.digest);
    expect(await readFile(file, 'utf8')).toBe(`image: ${host}/bitnami/multi:1.0.0-debian-12-r0@${arm64}\n`);
    expect(result.images[0]?.digest).toBe(arm64);
  });
});

describe('pinValues against Distribution leaves files unchanged on errors', () => {
  it('names an image that does not exist', async () => {
    const host = registry().host;
    const text = `image:\n  registry: docker.io\n  repository: bitnami/postgresql\n  tag: "16"\nmetrics:\n  image:\n    registry: ${host}\n    repository: bitnami/absent\n    tag: "1"\n`;
    const file = join(folder, 'absent.yaml');
    await writeFile(file, text);

    const error = await pinValues([file], { resolver: resolverPort(newResolver()) }).catch((caught: unknown) => caught);

    expect(isImageResolveError(error)).toBe(true);
    const failures = (error as ImageResolveError).failures;
    expect(failures.map((failure) => failure.reference)).toContain(`${host}/bitnami/absent:1`);
    const absent = failures.find((failure) => failure.reference === `${host}/bitnami/absent:1`);
    expect(absent?.places).toEqual([{ file, path: 'metrics.image', line: 6 }]);
    expect((absent?.cause as { code?: string }).code).toBe('REFERENCE_NOT_FOUND');
    expect((error as Error).message).toContain(`${host}/bitnami/absent:1 (at ${file}:6 metrics.image)`);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('names a registry that rejects anonymous requests', async () => {
    const host = guarded().host;
    const text = `image: ${host}/bitnami/private:1\n`;
    const file = join(folder, 'refused.yaml');
    await writeFile(file, text);
    const anonymous = anonymousClient();

    try {
      const resolver = new Resolver({ registry: new ClientRegistry(anonymous) });
      const error = await pinValues([file], { resolver: resolverPort(resolver) }).catch((caught: unknown) => caught);

      expect(isImageResolveError(error)).toBe(true);
      const [failure] = (error as ImageResolveError).failures;
      expect(failure?.reference).toBe(`${host}/bitnami/private:1`);
      expect(failure?.places).toEqual([{ file, path: 'image', line: 1 }]);
      expect((failure?.cause as { name?: string }).name).toBe('AuthenticationError');
      expect((error as Error).message).not.toContain(guarded().users[0]?.password ?? 'no-password');
      expect(await readFile(file, 'utf8')).toBe(text);
    } finally {
      await anonymous.close();
    }
  });
});
