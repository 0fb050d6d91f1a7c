import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  computeTagSet,
  loadTagPolicyFile,
  newestRevision,
  nextRevision,
  parseTag,
  parseTagList,
  rollingTargets,
  type Release,
  type SkipCode,
  type TagPolicyInput,
} from '../../src/scheme/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'catalog');

/** A release of a catalog app and the tags it should get. */
interface ReleaseCase {
  release: Release;
  /** Policy fields that override the app's policy file. */
  policy?: TagPolicyInput;
  immutable: string;
  immutableExists?: boolean;
  moves: string[];
  skipped: Record<string, SkipCode>;
}

/** The expected results for one fixture tag list and its policy file. */
interface CatalogCase {
  app: string;
  policyFile: string;
  nextRevisions: Array<[version: string, distro: string, revision: number]>;
  releases: ReleaseCase[];
  /** Rolling tag to immutable tag, for a selection of the app's rolling tags. */
  targets: Record<string, string>;
  /** Rolling tags that no published build may carry. */
  absentTargets?: string[];
}

const CATALOG: CatalogCase[] = [
  {
    app: 'etcd',
    policyFile: 'etcd.policy.yaml',
    nextRevisions: [
      ['3.5.11', 'debian-12', 2],
      ['3.5.10', 'debian-11', 3],
      ['3.5.10', 'debian-12', 5],
      ['3.4.13', 'debian-10', 9],
      ['3.5.9', 'debian-11', 13],
      ['3.5.12', 'debian-12', 0],
      ['3.6.0-rc.2', 'debian-12', 1],
    ],
    releases: [
      {
        release: { version: '3.5.12', distro: 'debian-12' },
        immutable: '3.5.12-debian-12-r0',
        moves: ['latest', '3', '3-debian-12', '3.5', '3.5-debian-12', '3.5.12', '3.5.12-debian-12'],
        skipped: {},
      },
      {
        release: { version: '3.4.29', distro: 'debian-12' },
        immutable: '3.4.29-debian-12-r0',
        moves: ['3.4', '3.4-debian-12', '3.4.29', '3.4.29-debian-12'],
        skipped: { latest: 'outside-latest-branch', '3': 'newer-published', '3-debian-12': 'newer-published' },
      },
      {
        release: { version: '3.6.0', distro: 'debian-12' },
        immutable: '3.6.0-debian-12-r0',
        moves: ['3', '3-debian-12', '3.6', '3.6-debian-12', '3.6.0', '3.6.0-debian-12'],
        skipped: { latest: 'outside-latest-branch' },
      },
      {
        release: { version: '3.6.0-rc.3', distro: 'debian-12' },
        immutable: '3.6.0-rc.3-debian-12-r0',
        moves: ['3.6.0-rc.3', '3.6.0-rc.3-debian-12'],
        skipped: {
          latest: 'prerelease',
          '3': 'prerelease',
          '3-debian-12': 'prerelease',
          '3.6': 'prerelease',
          '3.6-debian-12': 'prerelease',
        },
      },
      {
        release: { version: '3.5.10', distro: 'debian-11' },
        immutable: '3.5.10-debian-11-r3',
        moves: ['3-debian-11', '3.5-debian-11', '3.5.10-debian-11'],
        skipped: { latest: 'not-default-distro', '3': 'not-default-distro', '3.5': 'not-default-distro', '3.5.10': 'not-default-distro' },
      },
      {
        release: { version: '3.4.13', distro: 'debian-10', revision: 8 },
        immutable: '3.4.13-debian-10-r8',
        immutableExists: true,
        moves: ['3.4.13-debian-10'],
        skipped: {
          latest: 'not-default-distro',
          '3': 'not-default-distro',
          '3-debian-10': 'newer-published',
          '3.4': 'not-default-distro',
          '3.4-debian-10': 'newer-published',
          '3.4.13': 'not-default-distro',
        },
      },
    ],
    targets: {
      latest: '3.5.11-debian-12-r1',
      '3': '3.5.11-debian-12-r1',
      '3-debian-10': '3.4.14-debian-10-r3',
      '3-debian-11': '3.5.10-debian-11-r2',
      '3-debian-12': '3.5.11-debian-12-r1',
      '3.4': '3.4.28-debian-12-r1',
      '3.4-debian-11': '3.4.28-debian-11-r2',
      '3.5-debian-11': '3.5.10-debian-11-r2',
      '3.5.9-debian-11': '3.5.9-debian-11-r12',
      '3.6.0-rc.2': '3.6.0-rc.2-debian-12-r0',
    },
    absentTargets: ['3.6', '3.6-debian-12', '3.4.13'],
  },
  {
    app: 'postgresql',
    policyFile: 'postgresql.policy.yaml',
    nextRevisions: [
      ['15.8.0', 'debian-12', 101],
      ['14.13.0', 'debian-12', 11],
      ['16.4.0', 'debian-12', 12],
      ['16.4.0', 'debian-11', 0],
      ['16.1.0', 'debian-11', 18],
      ['14.10.0', 'debian-11', 31],
    ],
    releases: [
      {
        release: { version: '14.14.0', distro: 'debian-12' },
        immutable: '14.14.0-debian-12-r0',
        moves: ['14', '14-debian-12', '14.14.0', '14.14.0-debian-12'],
        skipped: { latest: 'newer-published' },
      },
      {
        release: { version: '16.4.0', distro: 'debian-12' },
        immutable: '16.4.0-debian-12-r12',
        moves: ['latest', '16', '16-debian-12', '16.4.0', '16.4.0-debian-12'],
        skipped: {},
      },
      {
        release: { version: '15.9.0', distro: 'debian-11' },
        immutable: '15.9.0-debian-11-r0',
        moves: ['15-debian-11', '15.9.0-debian-11'],
        skipped: { latest: 'not-default-distro', '15': 'not-default-distro', '15.9.0': 'not-default-distro' },
      },
      {
        release: { version: '15.8.0', distro: 'debian-12', revision: 99 },
        immutable: '15.8.0-debian-12-r99',
        immutableExists: true,
        moves: [],
        skipped: {
          latest: 'newer-published',
          '15': 'newer-published',
          '15-debian-12': 'newer-published',
          '15.8.0': 'newer-published',
          '15.8.0-debian-12': 'newer-published',
        },
      },
    ],
    targets: {
      latest: '16.4.0-debian-12-r11',
      '15': '15.8.0-debian-12-r100',
      '14': '14.13.0-debian-12-r10',
      '14-debian-11': '14.10.0-debian-11-r30',
      '16-debian-11': '16.1.0-debian-11-r17',
      '15.4.0-debian-11': '15.4.0-debian-11-r45',
    },
  },
  {
    app: 'java',
    policyFile: 'java.policy.yaml',
    nextRevisions: [
      ['17.0.12-10', 'debian-12', 8],
      ['17.0.12-11', 'debian-12', 0],
      ['17.0.9-9', 'debian-11', 2],
    ],
    releases: [
      {
        release: { version: '17.0.12+11', distro: 'debian-12' },
        immutable: '17.0.12-11-debian-12-r0',
        moves: ['17', '17-debian-12', '17.0.12-11', '17.0.12-11-debian-12'],
        skipped: { latest: 'newer-published' },
      },
      {
        release: { version: '17.0.12-8', distro: 'debian-12' },
        immutable: '17.0.12-8-debian-12-r0',
        moves: ['17.0.12-8', '17.0.12-8-debian-12'],
        skipped: { latest: 'newer-published', '17': 'newer-published', '17-debian-12': 'newer-published' },
      },
      {
        release: { version: '17.0.12', distro: 'debian-12' },
        immutable: '17.0.12-debian-12-r0',
        moves: ['17.0.12', '17.0.12-debian-12'],
        skipped: { latest: 'newer-published', '17': 'newer-published', '17-debian-12': 'newer-published' },
      },
      {
        release: { version: '21.0.5+11', distro: 'debian-12' },
        immutable: '21.0.5-11-debian-12-r0',
        moves: ['latest', '21', '21-debian-12', '21.0.5-11', '21.0.5-11-debian-12'],
        skipped: {},
      },
      {
        release: { version: '17.0.9+9', distro: 'debian-11' },
        immutable: '17.0.9-9-debian-11-r2',
        moves: ['17-debian-11', '17.0.9-9-debian-11'],
        skipped: { latest: 'not-default-distro', '17': 'not-default-distro', '17.0.9-9': 'not-default-distro' },
      },
    ],
    targets: {
      latest: '21.0.4-7-debian-12-r2',
      '11': '11.0.24-8-debian-12-r2',
      '17': '17.0.12-10-debian-12-r7',
      '21': '21.0.4-7-debian-12-r2',
      '17-debian-11': '17.0.9-9-debian-11-r1',
      '17.0.12-7': '17.0.12-7-debian-12-r3',
    },
  },
  {
    app: 'openssl',
    policyFile: 'openssl.policy.yaml',
    nextRevisions: [
      ['1.1.1w', 'debian-12', 4],
      ['1.0.2u', 'debian-12', 2],
      ['1.0.2t', 'debian-12', 1],
      ['1.1.1x', 'debian-12', 0],
    ],
    releases: [
      {
        release: { version: '1.1.1x', distro: 'debian-12' },
        immutable: '1.1.1x-debian-12-r0',
        moves: ['1', '1.1', '1.1.1x'],
        skipped: { latest: 'newer-published' },
      },
      {
        release: { version: '1.1.1u', distro: 'debian-12' },
        immutable: '1.1.1u-debian-12-r0',
        moves: ['1.1.1u'],
        skipped: { latest: 'newer-published', '1': 'newer-published', '1.1': 'newer-published' },
      },
      {
        release: { version: '1.0.2za', distro: 'debian-12' },
        immutable: '1.0.2za-debian-12-r0',
        moves: ['1.0', '1.0.2za'],
        skipped: { latest: 'newer-published', '1': 'newer-published' },
      },
      {
        release: { version: '3.0.14', distro: 'debian-12' },
        immutable: '3.0.14-debian-12-r0',
        moves: ['3.0', '3.0.14'],
        skipped: { latest: 'newer-published', '3': 'newer-published' },
      },
      {
        release: { version: '3.2.2', distro: 'debian-12' },
        immutable: '3.2.2-debian-12-r0',
        moves: ['latest', '3', '3.2', '3.2.2'],
        skipped: {},
      },
    ],
    targets: {
      latest: '3.2.1-debian-12-r0',
      '1': '1.1.1w-debian-12-r3',
      '1.0': '1.0.2u-debian-12-r1',
      '1.1': '1.1.1w-debian-12-r3',
      '3': '3.2.1-debian-12-r0',
      '3.0': '3.0.13-debian-12-r1',
      '1.0.2t': '1.0.2t-debian-12-r0',
    },
  },
  {
    app: 'calendar-app',
    policyFile: 'calendar-app.policy.yaml',
    nextRevisions: [
      ['2024.02.15', 'debian-12', 4],
      ['2023.01.05', 'debian-12', 3],
      ['2024.2.15', 'debian-12', 0],
      ['2024.03.01', 'debian-12', 0],
    ],
    releases: [
      {
        release: { version: '2024.03.01', distro: 'debian-12' },
        immutable: '2024.03.01-debian-12-r0',
        moves: ['latest', '2024', '2024.03', '2024.03.01'],
        skipped: {},
      },
      {
        release: { version: '2023.12.01', distro: 'debian-12' },
        immutable: '2023.12.01-debian-12-r0',
        moves: ['2023', '2023.12', '2023.12.01'],
        skipped: { latest: 'newer-published' },
      },
      {
        release: { version: '2023.01.20', distro: 'debian-12' },
        immutable: '2023.01.20-debian-12-r0',
        moves: ['2023.01', '2023.01.20'],
        skipped: { latest: 'newer-published', '2023': 'newer-published' },
      },
      {
        release: { version: '2024.2.20', distro: 'debian-12' },
        immutable: '2024.2.20-debian-12-r0',
        moves: ['latest', '2024', '2024.2', '2024.2.20'],
        skipped: {},
      },
    ],
    targets: {
      latest: '2024.02.15-debian-12-r3',
      '2023': '2023.11.02-debian-12-r1',
      '2024': '2024.02.15-debian-12-r3',
      '2023.01': '2023.01.17-debian-12-r0',
      '2024.02': '2024.02.15-debian-12-r3',
      '2023.01.05': '2023.01.05-debian-12-r2',
    },
  },
  {
    app: 'mysql',
    policyFile: 'mysql.policy.json',
    nextRevisions: [
      ['5.7.30', 'ol-7', 11],
      ['5.7.30', 'debian-10', 6],
      ['8.0.20', 'ol-7', 3],
      ['8.0.21', 'ol-7', 1],
      ['8.0.21', 'debian-10', 0],
    ],
    releases: [
      {
        release: { version: '8.0.22', distro: 'ol-7' },
        immutable: '8.0.22-ol-7-r0',
        moves: ['8-ol-7', '8.0.22-ol-7'],
        skipped: { latest: 'not-default-distro', '8': 'not-default-distro', '8.0.22': 'not-default-distro' },
      },
      {
        release: { version: '5.7.31', distro: 'ol-7' },
        immutable: '5.7.31-ol-7-r0',
        moves: ['5-ol-7', '5.7.31-ol-7'],
        skipped: { latest: 'not-default-distro', '5': 'not-default-distro', '5.7.31': 'not-default-distro' },
      },
      {
        release: { version: '8.0.21', distro: 'debian-10' },
        immutable: '8.0.21-debian-10-r0',
        moves: ['latest', '8', '8-debian-10', '8.0.21', '8.0.21-debian-10'],
        skipped: {},
      },
      {
        release: { version: '5.7.31', distro: 'debian-10' },
        immutable: '5.7.31-debian-10-r0',
        moves: ['5', '5-debian-10', '5.7.31', '5.7.31-debian-10'],
        skipped: { latest: 'newer-published' },
      },
    ],
    targets: {
      latest: '8.0.20-debian-10-r3',
      '8': '8.0.20-debian-10-r3',
      '5': '5.7.30-debian-10-r5',
      '8-ol-7': '8.0.21-ol-7-r0',
      '5-ol-7': '5.7.30-ol-7-r10',
      '8.0.20-ol-7': '8.0.20-ol-7-r2',
    },
  },
  {
    app: 'nginx',
    policyFile: 'nginx.policy.yaml',
    nextRevisions: [
      ['1.25.4', 'photon-5', 1],
      ['1.25.4', 'photon-4', 0],
      ['1.24.0', 'photon-4', 4],
    ],
    releases: [
      {
        release: { version: '1.25.4', distro: 'photon-4' },
        immutable: '1.25.4-photon-4-r0',
        moves: ['1-photon-4', '1.25.4-photon-4'],
        skipped: { latest: 'not-default-distro', '1': 'not-default-distro', '1.25.4': 'not-default-distro' },
      },
      {
        release: { version: '1.24.1', distro: 'photon-4' },
        immutable: '1.24.1-photon-4-r0',
        moves: ['1.24.1-photon-4'],
        skipped: {
          latest: 'not-default-distro',
          '1': 'not-default-distro',
          '1-photon-4': 'newer-published',
          '1.24.1': 'not-default-distro',
        },
      },
      {
        release: { version: '1.25.5', distro: 'photon-5' },
        immutable: '1.25.5-photon-5-r0',
        moves: ['latest', '1', '1-photon-5', '1.25.5', '1.25.5-photon-5'],
        skipped: {},
      },
    ],
    targets: {
      latest: '1.25.4-photon-5-r0',
      '1-photon-4': '1.25.3-photon-4-r0',
      '1.24.0-photon-4': '1.24.0-photon-4-r3',
    },
  },
  {
    app: 'redis',
    policyFile: 'redis.policy.yaml',
    nextRevisions: [
      ['7.0.15', 'ubuntu-22.04', 5],
      ['7.2.4', 'alpine-3.19', 1],
      ['7.2.4', 'rhel-9', 1],
    ],
    releases: [
      {
        release: { version: '7.2.5', distro: 'ubuntu-22.04' },
        immutable: '7.2.5-ubuntu-22.04-r0',
        moves: ['latest', '7', '7-ubuntu-22.04', '7.2-ubuntu-22.04', '7.2.5-ubuntu-22.04'],
        skipped: {},
      },
      {
        release: { version: '7.0.16', distro: 'ubuntu-22.04' },
        immutable: '7.0.16-ubuntu-22.04-r0',
        moves: ['7.0-ubuntu-22.04', '7.0.16-ubuntu-22.04'],
        skipped: { latest: 'newer-published', '7': 'newer-published', '7-ubuntu-22.04': 'newer-published' },
      },
      {
        release: { version: '7.2.5', distro: 'rhel-9' },
        immutable: '7.2.5-rhel-9-r0',
        moves: ['7-rhel-9', '7.2-rhel-9', '7.2.5-rhel-9'],
        skipped: { latest: 'not-default-distro', '7': 'not-default-distro' },
      },
    ],
    targets: {
      latest: '7.2.4-ubuntu-22.04-r1',
      '7': '7.2.4-ubuntu-22.04-r1',
      '7-alpine-3.19': '7.2.5-alpine-3.19-r0',
      '7.2-ubuntu-22.04': '7.2.4-ubuntu-22.04-r1',
      '7.0-ubuntu-22.04': '7.0.15-ubuntu-22.04-r4',
      '7.2-rhel-9': '7.2.4-rhel-9-r0',
    },
  },
  {
    app: 'python',
    policyFile: 'python.policy.yaml',
    nextRevisions: [
      ['3.13.0b1', 'debian-12', 2],
      ['3.13.0rc1', 'debian-12', 1],
      ['3.12.4', 'debian-12', 2],
    ],
    releases: [
      {
        release: { version: '3.13.0rc2', distro: 'debian-12' },
        immutable: '3.13.0rc2-debian-12-r0',
        moves: ['3.13.0rc2'],
        skipped: { latest: 'prerelease', '3': 'prerelease', '3-debian-12': 'prerelease' },
      },
      {
        release: { version: '3.12.5', distro: 'debian-12' },
        immutable: '3.12.5-debian-12-r0',
        moves: ['latest', '3', '3-debian-12', '3.12.5'],
        skipped: {},
      },
      {
        release: { version: '3.12.5', distro: 'debian-12' },
        policy: { prereleaseTags: true },
        immutable: '3.12.5-debian-12-r0',
        moves: ['latest', '3.12.5'],
        skipped: { '3': 'newer-published', '3-debian-12': 'newer-published' },
      },
      {
        release: { version: '3.13.0', distro: 'debian-12' },
        immutable: '3.13.0-debian-12-r0',
        moves: ['latest', '3', '3-debian-12', '3.13.0'],
        skipped: {},
      },
    ],
    targets: {
      latest: '3.12.4-debian-12-r1',
      '3': '3.12.4-debian-12-r1',
      '3.13.0b1': '3.13.0b1-debian-12-r1',
      '3.11.9': '3.11.9-debian-12-r3',
    },
  },
  {
    app: 'kubectl',
    policyFile: 'kubectl.policy.yaml',
    nextRevisions: [
      ['1.30.2', 'debian-12', 3],
      ['v1.30.2', 'debian-12', 0],
    ],
    releases: [
      {
        release: { version: 'v1.30.3', distro: 'debian-12' },
        immutable: '1.30.3-debian-12-r0',
        moves: ['latest', '1', '1-debian-12', '1.30.3'],
        skipped: {},
      },
      {
        release: { version: 'v1.30.2', distro: 'debian-12' },
        immutable: '1.30.2-debian-12-r3',
        moves: ['latest', '1', '1-debian-12', '1.30.2'],
        skipped: {},
      },
      {
        release: { version: 'v1.29.8', distro: 'debian-12' },
        immutable: '1.29.8-debian-12-r0',
        moves: ['1.29.8'],
        skipped: { latest: 'newer-published', '1': 'newer-published', '1-debian-12': 'newer-published' },
      },
    ],
    targets: {
      latest: '1.30.2-debian-12-r2',
      '1': '1.30.2-debian-12-r2',
      '1.29.7': '1.29.7-debian-12-r0',
    },
  },
];

function readTags(app: string): string[] {
  return parseTagList(readFileSync(join(FIXTURES, `${app}.txt`), 'utf8'), `${app}.txt`);
}

describe.each(CATALOG)('catalog app $app', (app) => {
  const published = readTags(app.app);
  const policyPromise = loadTagPolicyFile(join(FIXTURES, app.policyFile));

  it('reads every published tag into the scheme', () => {
    const foreign = published.map((tag) => parseTag(tag)).filter((tag) => tag.kind === 'foreign');
    for (const tag of foreign) {
      expect(tag.tag, tag.kind === 'foreign' ? tag.reason : '').toMatch(/^(nightly|sha256-[0-9a-f]{64}\.(sig|att))$/);
    }
  });

  it.each(app.nextRevisions)('numbers the next build of %s on %s r%i', (version, distro, revision) => {
    expect(nextRevision(published, version, distro)).toBe(revision);
    expect(newestRevision(published, version, distro)).toBe(revision === 0 ? undefined : revision - 1);
  });

  it.each(app.releases)('tags a release of $release.version on $release.distro', async (releaseCase) => {
    const policy = { ...(await policyPromise), ...releaseCase.policy };
    const tagSet = computeTagSet(releaseCase.release, published, policy);
    expect(tagSet.immutable).toBe(releaseCase.immutable);
    expect(tagSet.immutableExists).toBe(releaseCase.immutableExists ?? false);
    expect(tagSet.moves).toEqual(releaseCase.moves);
    const skipped = Object.fromEntries(
      tagSet.rolling.flatMap((decision) => (decision.moves ? [] : [[decision.tag, decision.code]])),
    );
    expect(skipped).toEqual(releaseCase.skipped);
  });

  it('points rolling tags at the newest build of their scope', async () => {
    const targets = Object.fromEntries(
      rollingTargets(published, await policyPromise).map((target) => [target.tag, target.target]),
    );
    expect(targets).toMatchObject(app.targets);
    for (const tag of app.absentTargets ?? []) {
      expect(targets).not.toHaveProperty([tag]);
    }
  });

  it('derives every rolling tag that the catalog publishes', async () => {
    const derived = new Set(rollingTargets(published, await policyPromise).map((target) => target.tag));
    const publishedRolling = published.filter((tag) => parseTag(tag).kind === 'rolling');
    expect(publishedRolling.filter((tag) => !derived.has(tag))).toEqual([]);
  });
});
