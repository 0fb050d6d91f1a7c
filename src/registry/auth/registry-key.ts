import { isDockerHub } from '../transport/origin.js';

/** The key Docker stores Docker Hub credentials under, and the server URL its credential helpers expect. */
export const DOCKER_HUB_SERVER_URL = 'https://index.docker.io/v1/';

/** A credential file key split into the host it applies to and an optional repository prefix. */
export interface RegistryKey {
  /** Lower-case host with port; every Docker Hub alias becomes `docker.io`. */
  host: string;
  /** Repository prefix after the host (`org` of `quay.io/org`), or '' for the whole registry. */
  path: string;
}

/**
 * Parses a key of a credential file or of explicit credentials:
 * `ghcr.io`, `https://ghcr.io`, `quay.io/org`, `https://index.docker.io/v1/`.
 * The scheme is dropped; `/v1/` and `/v2/` after a host are API paths, not
 * repository prefixes.
 */
export function parseRegistryKey(key: string): RegistryKey {
  const withoutScheme = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = withoutScheme.indexOf('/');
  const rawHost = slash === -1 ? withoutScheme : withoutScheme.slice(0, slash);
  let path = slash === -1 ? '' : withoutScheme.slice(slash + 1);
  path = path.replace(/^v[12]\/?$/, '').replace(/\/+$/, '');

  return { host: canonicalRegistryHost(rawHost), path };
}

/** Lower-cases a registry host and maps Docker Hub's aliases to `docker.io`. */
export function canonicalRegistryHost(host: string): string {
  const lower = host.toLowerCase();
  return isDockerHub(lower) ? 'docker.io' : lower;
}

/**
 * Returns how well `key` matches a request for `repository` on `host`, higher
 * being better, or undefined for no match. The most specific key wins
 * (`quay.io/org/team` over `quay.io/org` over `quay.io`). When the repository
 * is unknown, a key with a repository prefix still matches by host, below a
 * key for the whole registry.
 */
export function keyMatch(key: RegistryKey, host: string, repository: string | undefined): number | undefined {
  if (key.host !== canonicalRegistryHost(host)) {
    return undefined;
  }
  if (key.path === '') {
    return 0;
  }
  if (repository === undefined) {
    return -1;
  }
  return repository === key.path || repository.startsWith(`${key.path}/`) ? key.path.length : undefined;
}

/** The server URL to hand a credential helper for `host` when no file key names it. */
export function helperServerUrl(host: string): string {
  return canonicalRegistryHost(host) === 'docker.io' ? DOCKER_HUB_SERVER_URL : host.toLowerCase();
}
