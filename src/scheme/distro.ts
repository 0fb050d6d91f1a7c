/**
 * Distros of the tag scheme: the base image a build runs on.
 *
 * Grammar: one or more lowercase letters, `-`, then a version of dot-separated
 * numbers, written as the distro writes it: `debian-12`, `ol-7`, `photon-5`,
 * `rhel-9`, `ubuntu-22.04`, `alpine-3.19`. A name with a hyphen of its own
 * (`amazon-linux-2`) or without a version (`bookworm`) is not a distro.
 * Distros are equal only when their texts are equal, so `ubuntu-22.04` and
 * `ubuntu-22.4` are two distros.
 *
 * @module
 */
import { InvalidTagError } from './errors.js';

/** The distro grammar: `[a-z]+-[0-9]+(\.[0-9]+)*`. */
export const DISTRO_PATTERN = /^[a-z]+-[0-9]+(?:\.[0-9]+)*$/;

/** Returns true when `distro` follows the distro grammar. */
export function isValidDistro(distro: string): boolean {
  return typeof distro === 'string' && DISTRO_PATTERN.test(distro);
}

/**
 * Returns `distro` unchanged after checking it against the distro grammar.
 *
 * @throws InvalidTagError naming the distro when it breaks the grammar.
 */
export function checkDistro(distro: string): string {
  if (!isValidDistro(distro)) {
    throw new InvalidTagError(
      String(distro),
      `invalid distro "${String(distro)}": expected lowercase letters, "-" and a version, such as debian-12, ol-7 or ubuntu-22.04`,
    );
  }
  return distro;
}
