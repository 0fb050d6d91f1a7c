/**
 * The releases the demo walks through, as data: what is built, how it is
 * published, and what the step shows.
 */
import type { DemoBuild } from './images.js';

/** The tag policy of the demo repository: the default levels plus the minor line (`3.5`). */
export const DEMO_POLICY = {
  levels: ['latest', 'major', 'major-distro', 'minor', 'version'] as ('latest' | 'major' | 'major-distro' | 'minor' | 'version')[],
  defaultDistro: 'debian-12',
};

/** One publish of the demo. */
export interface DemoStep {
  title: string;
  /** Sentence that points the reader at what to notice in the plan. */
  note: string;
  /** Tag of the build in the staging repository; a step that reuses a tag publishes the same image again. */
  stagingTag: string;
  /** The build to push under `stagingTag`; undefined to reuse what is there. */
  build: DemoBuild | undefined;
  version: string;
  distro: string;
  dryRun?: boolean;
  skipIfUnchanged?: boolean;
}

const MONDAY = '2024-06-03T02:00:00Z';
const TUESDAY = '2024-06-04T02:00:00Z';
const WEDNESDAY = '2024-06-05T02:00:00Z';

/** The demo's publishes, in order. */
export const DEMO_STEPS: readonly DemoStep[] = [
  {
    title: 'First release: 3.5.9 on debian-12',
    note: 'Nothing is published yet, so every tag is created and the revision is r0.',
    stagingTag: 'build-101',
    build: { version: '3.5.9', distro: 'debian-12', base: 'debian 12.5', created: MONDAY },
    version: '3.5.9',
    distro: 'debian-12',
  },
  {
    title: 'The same version on a second distro: 3.5.9 on photon-5',
    note: 'Tags without a distro are for the default distro debian-12, so only -photon-5 tags are written.',
    stagingTag: 'build-102',
    build: { version: '3.5.9', distro: 'photon-5', base: 'photon 5.0', created: MONDAY },
    version: '3.5.9',
    distro: 'photon-5',
  },
  {
    title: 'Dry run of 3.5.10 on debian-12',
    note: 'The plan shows what would move; the registry is not touched, not even by the copy.',
    stagingTag: 'build-103',
    build: { version: '3.5.10', distro: 'debian-12', base: 'debian 12.5', created: TUESDAY },
    version: '3.5.10',
    distro: 'debian-12',
    dryRun: true,
  },
  {
    title: 'New version: 3.5.10 on debian-12',
    note: '3.5.10 is the newest 3.x, so 3, 3-debian-12, 3.5 and latest move forward.',
    stagingTag: 'build-103',
    build: undefined,
    version: '3.5.10',
    distro: 'debian-12',
  },
  {
    title: 'Backport to an older line: 3.4.30 on debian-12',
    note: '3.4.30 gets its own tags and 3.4; 3, 3-debian-12 and latest stay on 3.5.10, which is newer.',
    stagingTag: 'build-104',
    build: { version: '3.4.30', distro: 'debian-12', base: 'debian 12.5', created: TUESDAY },
    version: '3.4.30',
    distro: 'debian-12',
  },
  {
    title: 'Rebuild on a patched base image: 3.5.10 on debian-12 again',
    note: 'The image changed, so it becomes revision r1 and every tag of 3.5.10 moves to it.',
    stagingTag: 'build-105',
    build: { version: '3.5.10', distro: 'debian-12', base: 'debian 12.6 (security fixes)', created: WEDNESDAY },
    version: '3.5.10',
    distro: 'debian-12',
  },
  {
    title: 'Re-run of the same publish',
    note: 'The source already is r1, so publish reuses that revision and has nothing to write.',
    stagingTag: 'build-105',
    build: undefined,
    version: '3.5.10',
    distro: 'debian-12',
  },
  {
    title: 'Nightly rebuild with only new timestamps, with --skip-if-unchanged',
    note: 'Layers and config match r1 except the build time, so no r2 is made.',
    stagingTag: 'build-106',
    build: { version: '3.5.10', distro: 'debian-12', base: 'debian 12.6 (security fixes)', created: '2024-06-06T02:00:00Z' },
    version: '3.5.10',
    distro: 'debian-12',
    skipIfUnchanged: true,
  },
  {
    title: 'Prerelease: 3.6.0-rc1 on debian-12',
    note: 'A prerelease gets its immutable and version tags only; 3, 3.6 and latest do not move.',
    stagingTag: 'build-107',
    build: { version: '3.6.0-rc1', distro: 'debian-12', base: 'debian 12.6 (security fixes)', created: WEDNESDAY },
    version: '3.6.0-rc1',
    distro: 'debian-12',
  },
];

/** Rolling tags the demo resolves at the end. */
export const DEMO_RESOLVE_TAGS: readonly string[] = ['latest', '3', '3.5', '3.4', '3-photon-5', '3.6.0-rc1'];
