/**
 * An audit of a whole catalog against the real registry: 50 repositories of
 * 200 tags each, built cheaply. One image is pushed with skopeo, copied into
 * each repository (which mounts its blobs), and every tag is one manifest
 * PUT. Each immutable tag has its own manifest (the base manifest with a
 * version annotation), so digests differ as they do between real builds.
 * The build and the audit print their times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import { clientAuditRegistry } from '../../src/audit/client-registry.js';
import type { RegistryClient } from '../../src/registry/client.js';
import { mapWithConcurrency } from '../../src/release/concurrency.js';
import { anonymousClient } from '../registry/real-client.js';
import { buildImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage, skopeoDigest, skopeoListTags } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { findingLine } from './scenario.js';

const REPOSITORIES = 50;
const VERSIONS = 39;
const REVISIONS = 4;
/** 39 versions × 4 revisions, 39 version tags, `1`, `1-debian-12`, `latest` and two foreign tags. */
const TAGS_PER_REPOSITORY = VERSIONS * REVISIONS + VERSIONS + 3 + 2;
/** The repository whose `1` tag is left on an older build. */
const STALE_REPOSITORY = 'scale/app-07';

function repositoryName(index: number): string {
  return `scale/app-${String(index).padStart(2, '0')}`;
}

const registry = useDistribution();
let layout: string;
let client: RegistryClient;

interface PlannedTag {
  tag: string;
  /** The immutable tag whose manifest this tag carries, or `base` for the pushed image. */
  build: string;
}

/** Lists the tags of one repository, each with the build it points to. */
function plannedTags(repository: string): PlannedTag[] {
  const tags: PlannedTag[] = [];
  for (let minor = 0; minor < VERSIONS; minor += 1) {
    const version = `1.${minor}.0`;
    for (let revision = 0; revision < REVISIONS; revision += 1) {
      const immutable = `${version}-debian-12-r${revision}`;
      tags.push({ tag: immutable, build: immutable });
    }
    tags.push({ tag: version, build: `${version}-debian-12-r${REVISIONS - 1}` });
  }
  const newest = `1.${VERSIONS - 1}.0-debian-12-r${REVISIONS - 1}`;
  const major = repository === STALE_REPOSITORY ? `1.0.0-debian-12-r${REVISIONS - 1}` : newest;
  tags.push({ tag: '1', build: major }, { tag: '1-debian-12', build: newest }, { tag: 'latest', build: newest });
  tags.push({ tag: 'nightly', build: 'base' }, { tag: 'edge', build: 'base' });
  return tags;
}

beforeAll(async () => {
  layout = await makeTempDir('audit-scale');
  client = anonymousClient();
  const host = registry().host;
  const image = await buildImage(layout, 'base', { seed: 'scale', config: { user: '1001', created: new Date().toISOString() } });
  await pushImage(image, registry(), 'stage/base:base');
  const fetched = await client.getManifest(`${host}/stage/base:base`);
  const base = JSON.parse(fetched.bytes.toString('utf8')) as Record<string, unknown>;
  const manifestOf = (build: string) =>
    build === 'base' ? fetched.bytes : Buffer.from(JSON.stringify({ ...base, annotations: { 'org.opencontainers.image.version': build } }));

  const started = Date.now();
  const repositories = Array.from({ length: REPOSITORIES }, (_, index) => repositoryName(index));
  for (const repository of repositories) {
    // The copy mounts the config and layer into the repository, so manifest PUTs that name them succeed.
    await client.copyImage(`${host}/stage/base:base`, `${host}/${repository}:seed-base`);
  }
  const puts = repositories.flatMap((repository) => plannedTags(repository).map((planned) => ({ repository, ...planned })));
  await mapWithConcurrency(puts, 16, async ({ repository, tag, build }) => {
    await client.putManifest(`${host}/${repository}:${tag}`, manifestOf(build), fetched.descriptor.mediaType);
  });
  console.log(`built ${REPOSITORIES} repositories with ${puts.length} manifest PUTs in ${Date.now() - started} ms`);

  // skopeo lists the planned tags, and two revisions of one version have different digests.
  const last = repositoryName(REPOSITORIES - 1);
  expect((await skopeoListTags(`docker://${host}/${last}`)).sort()).toEqual(
    [...plannedTags(last).map((planned) => planned.tag), 'seed-base'].sort(),
  );
  expect(await skopeoDigest(`docker://${host}/${last}:1.0.0-debian-12-r1`)).not.toBe(
    await skopeoDigest(`docker://${host}/${last}:1.0.0-debian-12-r0`),
  );
}, 600_000);

afterAll(async () => {
  await client?.close();
  await removeDir(layout);
});

describe('audit of a large catalog', () => {
  it('audits 50 repositories of 200 tags', async () => {
    const started = performance.now();
    let requests = 0;
    const report = await audit({
      registry: clientAuditRegistry(client),
      catalog: registry().host,
      policy: { defaultDistro: 'debian-12' },
      onProgress: (progress) => {
        requests = progress.requests;
      },
    });
    const elapsed = Math.round(performance.now() - started);
    console.log(
      `audit of ${report.summary.repositories} repositories, ${report.summary.tags} tags: ${elapsed} ms, ${requests} requests at concurrency 8`,
    );

    const scale = report.repositories.filter((entry) => entry.repository.includes('/scale/'));
    expect(scale).toHaveLength(REPOSITORIES);
    for (const entry of scale) {
      // `seed-base` is the tag the copy made; it is foreign like `nightly` and `edge`.
      expect(entry.tags).toBe(TAGS_PER_REPOSITORY + 1);
      const expected = ['info foreign-tag edge', 'info foreign-tag nightly', 'info foreign-tag seed-base'];
      if (entry.repository.endsWith(STALE_REPOSITORY)) {
        expected.unshift('error stale-rolling 1');
      }
      expect(entry.findings.map(findingLine).sort()).toEqual(expected.sort());
    }
    // One catalog listing, one tag listing per repository (stage/base too), one HEAD per scheme tag.
    expect(requests).toBe(1 + (REPOSITORIES + 1) + REPOSITORIES * (TAGS_PER_REPOSITORY - 2));
  }, 300_000);
});
