/**
 * Tag layouts of generated repositories that follow the tag scheme: every
 * version has two revisions on one distro, and its rolling tags point to the
 * newest one.
 */
import type { TagPolicyInput } from '../../src/scheme/policy.js';
import type { TagEntry } from './registry-fill.js';

/** The distro of every generated build. */
export const BENCH_DISTRO = 'debian-12';

/** The tag policy the generated repositories follow. */
export const BENCH_POLICY: TagPolicyInput = {
  levels: ['latest', 'major', 'major-distro', 'version', 'version-distro'],
  defaultDistro: BENCH_DISTRO,
};

/** The tags of one generated repository. */
export interface SchemeLayout {
  /** Every tag with the build it points to. */
  entries: TagEntry[];
  /** The version-level rolling tags (`1.2.3`, `1.2.3-debian-12`), oldest version first. */
  rolling: string[];
  /** For each tag, the immutable tag with the same digest: itself for an immutable tag. */
  twinOf: Map<string, string>;
}

/** Returns the upstream version of build number `index`: 1.0.0, 1.0.1, ... 1.0.99, 1.1.0, ... */
export function versionOf(index: number): string {
  return `1.${Math.floor(index / 100)}.${index % 100}`;
}

/**
 * Builds a layout of `versions` versions: per version the immutable tags r0
 * and r1 and the rolling tags `<version>` and `<version>-debian-12` (both on
 * r1), plus `latest`, `1` and `1-debian-12` on the newest build.
 * `padding` more immutable tags (r2, r3, ... of the oldest version) bring
 * the count to an exact total; they make that version's rolling tags stale.
 */
export function schemeLayout(versions: number, padding = 0): SchemeLayout {
  const entries: TagEntry[] = [];
  const rolling: string[] = [];
  const twinOf = new Map<string, string>();
  const add = (tag: string, immutable: string): void => {
    entries.push({ tag, build: immutable });
    twinOf.set(tag, immutable);
  };

  let newest = '';
  for (let index = 0; index < versions; index += 1) {
    const version = versionOf(index);
    add(`${version}-${BENCH_DISTRO}-r0`, `${version}-${BENCH_DISTRO}-r0`);
    newest = `${version}-${BENCH_DISTRO}-r1`;
    add(newest, newest);
    for (const tag of [version, `${version}-${BENCH_DISTRO}`]) {
      add(tag, newest);
      rolling.push(tag);
    }
  }
  if (versions > 0) {
    for (const tag of ['latest', '1', `1-${BENCH_DISTRO}`]) add(tag, newest);
  }
  for (let revision = 2; revision < padding + 2; revision += 1) {
    const tag = `${versionOf(0)}-${BENCH_DISTRO}-r${revision}`;
    add(tag, tag);
  }
  return { entries, rolling, twinOf };
}

/** Returns the layout with exactly `tags` tags (at least 7): as many whole versions as fit, then padding. */
export function schemeLayoutOfSize(tags: number): SchemeLayout {
  const versions = Math.max(1, Math.floor((tags - 3) / 4));
  return schemeLayout(versions, Math.max(0, tags - (versions * 4 + 3)));
}

/** Returns the layout whose version-level rolling tags number `rollingTags` (rounded up to even). */
export function schemeLayoutWithRolling(rollingTags: number): SchemeLayout {
  return schemeLayout(Math.ceil(rollingTags / 2));
}
