/**
 * Rolling levels: the kinds of rolling tag a policy can ask for, with the tag
 * each gives etcd `3.4.13` on `debian-10`.
 *
 * | level | tag | stands for |
 * | --- | --- | --- |
 * | `latest` | `latest` | newest stable release on the default distro |
 * | `major` | `3` | newest 3.x on the default distro |
 * | `major-distro` | `3-debian-10` | newest 3.x on debian-10 |
 * | `minor` | `3.4` | newest 3.4.x on the default distro |
 * | `minor-distro` | `3.4-debian-10` | newest 3.4.x on debian-10 |
 * | `version` | `3.4.13` | newest revision of 3.4.13 on the default distro |
 * | `version-distro` | `3.4.13-debian-10` | newest revision of 3.4.13 on debian-10 |
 *
 * @module
 */

/** Every rolling level, from the widest scope to the narrowest. */
export const ROLLING_LEVELS = [
  'latest',
  'major',
  'major-distro',
  'minor',
  'minor-distro',
  'version',
  'version-distro',
] as const;

/** A kind of rolling tag; see {@link ROLLING_LEVELS}. */
export type RollingLevel = (typeof ROLLING_LEVELS)[number];

/** The levels a policy uses when it names none. */
export const DEFAULT_LEVELS: readonly RollingLevel[] = ['latest', 'major', 'major-distro', 'version'];

/** Returns true for levels whose tags end in `-<distro>`. */
export function isDistroLevel(level: RollingLevel): boolean {
  return level.endsWith('-distro');
}

/** Returns the level without its distro: `major` for `major-distro`. */
export function baseLevel(level: RollingLevel): 'latest' | 'major' | 'minor' | 'version' {
  switch (level) {
    case 'latest':
      return 'latest';
    case 'major':
    case 'major-distro':
      return 'major';
    case 'minor':
    case 'minor-distro':
      return 'minor';
    case 'version':
    case 'version-distro':
      return 'version';
  }
}

/** Returns the position of `level` in {@link ROLLING_LEVELS}, for sorting. */
export function levelRank(level: RollingLevel): number {
  return ROLLING_LEVELS.indexOf(level);
}

/** Returns true when `value` names a rolling level. */
export function isRollingLevel(value: unknown): value is RollingLevel {
  return typeof value === 'string' && (ROLLING_LEVELS as readonly string[]).includes(value);
}
