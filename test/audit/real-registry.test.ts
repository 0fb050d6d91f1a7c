import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import { clientAuditRegistry } from '../../src/audit/client-registry.js';
import type { Ledger } from '../../src/audit/ledger.js';
import type { AuditReport } from '../../src/audit/report.js';
import type { RegistryClient } from '../../src/registry/client.js';
import { anonymousClient } from '../registry/real-client.js';
import type { BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { skopeoCopy, skopeoDigest } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { buildConfiguredImage, buildTwoPlatformIndex, OLD, publishTags, runTagkeeper } from './real-fixtures.js';
import { findingLine } from './scenario.js';

const registry = useDistribution();
let layout: string;
let home: string;
let client: RegistryClient;
const images: Record<string, BuiltImage> = {};

/** The cosign signature tag of the stray image, set once it is built. */
let signatureTag: string;

const CLEAN_LINES: string[] = [];
const FINDINGS_LINES = () => [
  'error orphan-rolling 2-debian-12',
  'error runs-as-root 2',
  'error stale-rolling 2',
  `info foreign-tag ${signatureTag}`,
  'info foreign-tag nightly',
  'warning duplicate-revision 1.0.0-debian-12-r3',
  'warning max-age 2.0.0',
  'warning max-age latest',
  'warning missing-rolling 1',
  'warning revision-gap 1.0.0-debian-12-r1',
];
const ROOT_INDEX_LINES = ['error runs-as-root 1', 'error runs-as-root 1-debian-12', 'error runs-as-root 1.0.0', 'error runs-as-root latest'];

beforeAll(async () => {
  layout = await makeTempDir('audit-layout');
  home = await makeTempDir('audit-home');
  client = anonymousClient();
  const host = registry();

  images.a = await buildConfiguredImage(layout, 'a', '1001');
  images.b = await buildConfiguredImage(layout, 'b', 'app');
  images.rootUser = await buildConfiguredImage(layout, 'root-user', 'root');
  images.old = await buildConfiguredImage(layout, 'old', '1001', OLD);
  images.stray = await buildConfiguredImage(layout, 'stray', '1001');
  images.replacement = await buildConfiguredImage(layout, 'replacement', '1001');
  images.cleanOld = await buildConfiguredImage(layout, 'clean-old', '1001:0');
  images.cleanIndex = await buildTwoPlatformIndex(layout, 'clean-index', { amd64: '1001', arm64: 'app:app' });
  images.rootIndex = await buildTwoPlatformIndex(layout, 'root-index', { amd64: '1001', arm64: 'root' });
  signatureTag = `${images.stray.digest.replace(':', '-')}.sig`;

  // A repository where every tag is where the scheme puts it; one build is an index.
  await publishTags(client, host, 'clean/app', images.cleanOld, ['3.4.13-debian-12-r0']);
  await publishTags(client, host, 'clean/app', images.a, ['3.4.13-debian-12-r1', '3.4.13']);
  await publishTags(client, host, 'clean/app', images.cleanIndex, ['3.5.0-debian-12-r0', '3.5.0', '3', '3-debian-12', 'latest']);

  // A repository with one finding of every kind.
  await publishTags(client, host, 'findings/app', images.a, ['1.0.0-debian-12-r0']);
  await publishTags(client, host, 'findings/app', images.b, ['1.0.0-debian-12-r2', '1.0.0-debian-12-r3', '1.0.0', '1-debian-12']);
  await publishTags(client, host, 'findings/app', images.rootUser, ['2.0.0-debian-12-r0', '2']);
  await publishTags(client, host, 'findings/app', images.old, ['2.0.0-debian-12-r1', '2.0.0', 'latest']);
  await publishTags(client, host, 'findings/app', images.stray, ['2-debian-12', 'nightly', signatureTag]);

  // An index whose arm64 image runs as root.
  await publishTags(client, host, 'rootindex/app', images.rootIndex, ['1.0.0-debian-12-r0', '1.0.0', '1', '1-debian-12', 'latest']);

  // A small clean repository whose immutable tag is rewritten between two audits.
  await publishTags(client, host, 'ledger/app', images.a, ['1.0.0-debian-12-r0', '1.0.0', '1', '1-debian-12', 'latest']);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await removeDir(layout);
  await removeDir(home);
});

function linesOf(report: AuditReport, repository: string): string[] {
  const found = report.repositories.find((entry) => entry.repository === `${registry().host}/${repository}`);
  expect(found, `report of ${repository}`).toBeDefined();
  return (found?.findings ?? []).map(findingLine).sort();
}

function auditRepositories(repositories: string[], options: { ledger?: string } = {}): Promise<AuditReport> {
  return audit({
    registry: clientAuditRegistry(client),
    repositories: repositories.map((repository) => `${registry().host}/${repository}`),
    requireNonRoot: true,
    maxAge: '7d',
    ...options,
  });
}

describe('audit against Distribution', () => {
  it('finds nothing in a clean repository', async () => {
    const report = await auditRepositories(['clean/app']);
    expect(linesOf(report, 'clean/app')).toEqual(CLEAN_LINES);
    expect(report.repositories[0]?.tags).toBe(8);
  });

  it('reports exactly the findings built in', async () => {
    const report = await auditRepositories(['findings/app']);
    expect(linesOf(report, 'findings/app')).toEqual([...FINDINGS_LINES()].sort());
  });

  it('reads the digests skopeo reads', async () => {
    const report = await auditRepositories(['findings/app']);
    const stale = report.repositories[0]?.findings.find((item) => item.rule === 'stale-rolling');
    expect(stale?.actual).toBe(await skopeoDigest(`docker://${registry().host}/findings/app:2`));
    expect(stale?.expected).toBe(await skopeoDigest(`docker://${registry().host}/findings/app:2.0.0-debian-12-r1`));
    const orphan = report.repositories[0]?.findings.find((item) => item.rule === 'orphan-rolling');
    expect(orphan?.actual).toBe(images.stray?.digest);
  });

  it('checks every platform of an index', async () => {
    const report = await auditRepositories(['rootindex/app']);
    expect(linesOf(report, 'rootindex/app')).toEqual(ROOT_INDEX_LINES);
    for (const item of report.repositories[0]?.findings ?? []) {
      expect(item.actual).toBe('linux/arm64: User "root"');
    }
  });

  it('reports a missing repository and goes on', async () => {
    const report = await auditRepositories(['absent/app', 'clean/app']);
    expect(linesOf(report, 'absent/app')).toEqual(['error unreachable -']);
    expect(report.repositories[0]?.findings[0]?.message).toContain('NAME_UNKNOWN');
    expect(linesOf(report, 'clean/app')).toEqual([]);
  });

  it('audits the whole catalog', async () => {
    const report = await audit({ registry: clientAuditRegistry(client), catalog: registry().host, requireNonRoot: true, maxAge: '7d' });
    expect(report.repositories.map((entry) => entry.repository).sort()).toEqual(
      ['clean/app', 'findings/app', 'ledger/app', 'rootindex/app'].map((name) => `${registry().host}/${name}`),
    );
    expect(linesOf(report, 'findings/app')).toEqual([...FINDINGS_LINES()].sort());
    expect(linesOf(report, 'rootindex/app')).toEqual(ROOT_INDEX_LINES);
  });
});

// Each CLI run starts tsx in a child process, which takes seconds on a busy machine.
describe('tagkeeper audit against Distribution', { timeout: 60_000 }, () => {
  it('exits 0 and prints a table for a clean repository', async () => {
    const run = await runTagkeeper(['audit', `${registry().host}/clean/app`, '--require-non-root', '--max-age', '7d'], home);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${registry().host}/clean/app (8 tags): no findings`);
  });

  it('exits 1 and prints every finding as JSON', async () => {
    const run = await runTagkeeper(
      ['audit', `${registry().host}/findings/app`, '--require-non-root', '--max-age', '7d', '--format', 'json'],
      home,
    );
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as AuditReport;
    expect(linesOf(report, 'findings/app')).toEqual([...FINDINGS_LINES()].sort());
    expect(report.summary).toEqual({ repositories: 1, tags: 13, findings: { critical: 0, error: 3, warning: 5, info: 2 } });
  });

  it('prints Markdown and passes with --fail-on never', async () => {
    const run = await runTagkeeper(['audit', `${registry().host}/findings/app`, '--format', 'markdown', '--fail-on', 'never'], home);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`### ${registry().host}/findings/app (13 tags)`);
    expect(run.stdout).toContain('| error | stale-rolling | `2` |');
  });

  it('exits 2 for a bad duration before any request', async () => {
    const run = await runTagkeeper(['audit', `${registry().host}/findings/app`, '--max-age', 'a week'], home);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('tagkeeper: error: invalid duration "a week" for --max-age: write a positive whole number and a unit, such as 30m, 12h, 7d or 2w (s, m, h, d, w)\n');
  });
});

describe('audit ledger against Distribution', { timeout: 90_000 }, () => {
  it('detects an immutable tag rewritten between two audits', async () => {
    const ledgerDir = await makeTempDir('audit-ledger');
    const ledger = path.join(ledgerDir, 'ledger.json');
    const host = registry().host;
    try {
      const first = await runTagkeeper(['audit', `${host}/ledger/app`, '--ledger', ledger, '--format', 'json'], home);
      expect(first.code).toBe(0);
      expect(linesOf(JSON.parse(first.stdout) as AuditReport, 'ledger/app')).toEqual([]);
      const recorded = JSON.parse(await readFile(ledger, 'utf8')) as Ledger;
      expect(recorded.entries).toEqual({
        [`${host}/ledger/app:1.0.0-debian-12-r0`]: { digest: images.a?.digest, firstSeen: expect.any(String) },
      });

      // Someone pushes another image over the immutable tag.
      await skopeoCopy(images.replacement?.ref ?? '', `docker://${host}/ledger/app:1.0.0-debian-12-r0`, { all: true, preserveDigests: true });
      expect(await skopeoDigest(`docker://${host}/ledger/app:1.0.0-debian-12-r0`)).toBe(images.replacement?.digest);

      const second = await runTagkeeper(['audit', `${host}/ledger/app`, '--ledger', ledger, '--format', 'json'], home);
      expect(second.code).toBe(1);
      const report = JSON.parse(second.stdout) as AuditReport;
      // The rolling tags still point to the old build, which has no immutable tag any more.
      expect(linesOf(report, 'ledger/app')).toEqual([
        'critical rewritten-immutable 1.0.0-debian-12-r0',
        'error orphan-rolling 1',
        'error orphan-rolling 1-debian-12',
        'error orphan-rolling 1.0.0',
        'error orphan-rolling latest',
      ]);
      const rewritten = report.repositories[0]?.findings[0];
      expect(rewritten).toMatchObject({ expected: images.a?.digest, actual: images.replacement?.digest });
      expect(JSON.parse(await readFile(ledger, 'utf8'))).toEqual(recorded);
    } finally {
      await removeDir(ledgerDir);
    }
  });
});
