import { describe, expect, it } from 'vitest';
import { platformImages, runsAsRoot } from '../../src/audit/image-config.js';
import { MediaType } from '../../src/registry/wire.js';
import { FakeAuditRegistry } from './fake-registry.js';
import { cleanRepository, findingLines, NOW, REPOSITORY, runAudit } from './scenario.js';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };

describe('runsAsRoot', () => {
  it.each([
    ['', true],
    ['   ', true],
    ['root', true],
    ['0', true],
    ['0:0', true],
    ['root:root', true],
    ['0:1001', true],
    ['root:app', true],
    [':1001', true],
    ['1001', false],
    ['1001:0', false],
    ['app', false],
    ['app:root', false],
    ['nobody', false],
    ['rootless', false],
    ['00', false],
  ])('user %j runs as root: %s', (user, expected) => {
    expect(runsAsRoot(user)).toBe(expected);
  });
});

describe('platformImages', () => {
  it('reads one platform of an image manifest', async () => {
    const registry = new FakeAuditRegistry();
    const digest = registry.addImage({ user: 'app', created: '2024-01-01T00:00:00Z', platform: ARM64 });
    const images = await platformImages(sourceOf(registry), digest);
    expect(images).toEqual([{ platform: 'linux/arm64/v8', digest, user: 'app', created: '2024-01-01T00:00:00Z' }]);
  });

  it('reads every runnable platform of an index', async () => {
    const registry = new FakeAuditRegistry();
    const amd64 = registry.addImage({ user: '1001', platform: AMD64 });
    const arm64 = registry.addImage({ platform: ARM64 });
    const attestation = registry.addImage({ seed: 'attestation' });
    const index = registry.addManifest(MediaType.ociIndex, {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        { mediaType: MediaType.ociManifest, digest: amd64, size: 1, platform: AMD64 },
        { mediaType: MediaType.ociManifest, digest: arm64, size: 1, platform: ARM64 },
        {
          mediaType: MediaType.ociManifest,
          digest: attestation,
          size: 1,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': amd64 },
        },
      ],
    });
    const images = await platformImages(sourceOf(registry), index);
    expect(images.map((image) => [image.platform, image.user])).toEqual([
      ['linux/amd64', '1001'],
      ['linux/arm64/v8', ''],
    ]);
  });

  it('skips an artifact whose config is not an image config', async () => {
    const registry = new FakeAuditRegistry();
    const config = registry.addBlob(new TextEncoder().encode('{}'));
    const artifact = registry.addManifest(MediaType.ociManifest, {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: 'application/vnd.example.sbom',
      config: { mediaType: MediaType.ociEmpty, digest: config, size: 2 },
      layers: [],
    });
    expect(await platformImages(sourceOf(registry), artifact)).toEqual([]);
  });

  it('rejects an index nested in an index', async () => {
    const registry = new FakeAuditRegistry();
    const inner = registry.addIndex([{ digest: registry.addImage(), platform: AMD64 }]);
    const outer = registry.addManifest(MediaType.ociIndex, {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [{ mediaType: MediaType.ociManifest, digest: inner, size: 1, platform: AMD64 }],
    });
    await expect(platformImages(sourceOf(registry), outer)).rejects.toMatchObject({ code: 'UNSUPPORTED_MANIFEST' });
  });
});

describe('config rules', () => {
  it('are off unless asked for', async () => {
    const { registry } = cleanRepository();
    const root = registry.addImage({ user: 'root', created: '2020-01-01T00:00:00Z' });
    registry.tag(REPOSITORY, '3.6.0-debian-12-r0', root).tagAll(REPOSITORY, ['3.6.0', '3', '3-debian-12', 'latest'], root);
    const report = await runAudit(registry);
    expect(findingLines(report)).toEqual([]);
    expect(registry.calls.getManifest).toBe(0);
    expect(registry.calls.getBlob).toBe(0);
  });

  it('flag every rolling tag of a root image, not its immutable tag', async () => {
    const { registry } = cleanRepository();
    const root = registry.addImage({ user: 'root', seed: 'root' });
    registry.tag(REPOSITORY, '3.6.0-debian-12-r0', root).tagAll(REPOSITORY, ['3.6.0', '3', '3-debian-12', 'latest'], root);
    const report = await runAudit(registry, { requireNonRoot: true });
    expect(findingLines(report)).toEqual([
      'error runs-as-root 3',
      'error runs-as-root 3-debian-12',
      'error runs-as-root 3.6.0',
      'error runs-as-root latest',
    ]);
    expect(report.repositories[0]?.findings[0]).toMatchObject({ expected: 'a non-root user', actual: 'linux/amd64: User "root"' });
  });

  it('name the root platforms of an index', async () => {
    const { registry, c } = cleanRepository();
    const arm64 = registry.addImage({ platform: ARM64 });
    const index = registry.addIndex([
      { digest: c, platform: AMD64 },
      { digest: arm64, platform: ARM64 },
    ]);
    registry.tag(REPOSITORY, '3.6.0-debian-12-r0', index).tagAll(REPOSITORY, ['3.6.0', '3', '3-debian-12', 'latest'], index);
    const report = await runAudit(registry, { requireNonRoot: true });
    const latest = report.repositories[0]?.findings.find((item) => item.tag === 'latest');
    expect(latest?.actual).toBe('linux/arm64/v8: no User set');
    expect(findingLines(report)).toHaveLength(4);
  });

  it.each([
    ['7d', '2024-06-01T00:00:00Z', true],
    ['7d', '2024-06-05T00:00:00Z', false],
    ['12h', '2024-06-10T01:00:00Z', false],
    ['12h', '2024-06-09T23:00:00Z', true],
    ['2w', '2024-05-20T00:00:00Z', true],
    ['30m', '2024-06-10T11:45:00Z', false],
  ])('max age %s flags an image created %s: %s', async (maxAge, created, flagged) => {
    const { registry } = cleanRepository();
    const image = registry.addImage({ user: '1001', created });
    registry.tag(REPOSITORY, '3.6.0-debian-12-r0', image).tagAll(REPOSITORY, ['3.6.0', '3', '3-debian-12', 'latest'], image);
    const report = await runAudit(registry, { maxAge });
    const lines = findingLines(report);
    // The clean builds of the scenario are 2 days and 12 hours old; 3.4.13 and 3.5.0 stay on them.
    const oldClean = maxAge === '12h' || maxAge === '30m' ? ['warning max-age 3.4.13', 'warning max-age 3.5.0'] : [];
    const newBuild = flagged ? ['warning max-age 3', 'warning max-age 3-debian-12', 'warning max-age 3.6.0', 'warning max-age latest'] : [];
    expect(lines).toEqual([...oldClean, ...newBuild].sort());
  });

  it('flags an image without created time as too old', async () => {
    const { registry } = cleanRepository();
    const image = registry.addImage({ user: '1001' });
    registry.tag(REPOSITORY, '3.6.0-debian-12-r0', image).tagAll(REPOSITORY, ['3.6.0', '3', '3-debian-12', 'latest'], image);
    const report = await runAudit(registry, { maxAge: '30d' });
    expect(findingLines(report)).toHaveLength(4);
    expect(report.repositories[0]?.findings[0]?.actual).toBe('linux/amd64: no created time');
  });

  it('report an unreadable config as unreachable', async () => {
    const { registry } = cleanRepository();
    const config = registry.addBlob(new TextEncoder().encode('not json'));
    const broken = registry.addManifest(MediaType.ociManifest, {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: config, size: 8 },
      layers: [],
    });
    registry.tag(REPOSITORY, '3.6.0-debian-12-r0', broken).tagAll(REPOSITORY, ['3.6.0', '3', '3-debian-12', 'latest'], broken);
    const report = await runAudit(registry, { requireNonRoot: true, now: NOW });
    expect(findingLines(report)).toEqual(['error unreachable 3', 'error unreachable 3-debian-12', 'error unreachable 3.6.0', 'error unreachable latest']);
    expect(report.repositories[0]?.findings[0]?.message).toContain('is not valid JSON');
  });
});

function sourceOf(registry: FakeAuditRegistry) {
  const repository = { registry: 'reg.test', repository: 'app' };
  return {
    manifest: async (digest: string) => (await registry.getManifest({ ...repository, digest })).manifest,
    config: async (digest: string) => JSON.parse(Buffer.from(await registry.getBlob(repository, digest)).toString('utf8')),
  };
}
