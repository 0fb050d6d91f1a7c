import { BlockList, isIP } from 'node:net';

import { BoundedMemo } from '../bounded-memo.js';
import { InvalidReferenceError } from '../errors.js';

/** Docker Hub's registry name in references, and the host that actually serves its API. */
export const DOCKER_HUB_REGISTRY = 'docker.io';
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
/** Docker Hub's token service, trusted with Docker Hub credentials by default. */
export const DOCKER_HUB_AUTH_HOST = 'auth.docker.io';

/** Names under which Docker Hub appears in references and credential files. */
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB_REGISTRY, 'index.docker.io', DOCKER_HUB_API_HOST]);

const loopbackAddresses = new BlockList();
loopbackAddresses.addSubnet('127.0.0.0', 8, 'ipv4');
loopbackAddresses.addAddress('::1', 'ipv6');

/**
 * Addresses a registry client must never contact when a server sends it there:
 * the IPv4 and IPv6 link-local ranges, where cloud metadata services listen.
 */
const linkLocalAddresses = new BlockList();
linkLocalAddresses.addSubnet('169.254.0.0', 16, 'ipv4');
linkLocalAddresses.addSubnet('fe80::', 10, 'ipv6');

/** Host names of cloud metadata services (GCE; the others use 169.254.169.254). */
const METADATA_HOST_NAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);

// Host checks are kept by host name, because every request checks its host and
// `BlockList.check` allocates an address object on each call.
const loopbackHostnames = new BoundedMemo<boolean>(256);
const blockedHostnames = new BoundedMemo<boolean>(256);

/** A registry name split into the parts a URL needs. */
export interface RegistryHost {
  /** Host name as a URL shows it: lower case, IPv6 in brackets. */
  hostname: string;
  /** `hostname:port`, or `hostname` when no port was given. */
  host: string;
  port: string;
}

/**
 * Parses a registry name (`ghcr.io`, `127.0.0.1:5000`, `[::1]:5000`).
 *
 * @throws InvalidReferenceError when the name has a scheme, a path, userinfo
 * or an invalid host or port.
 */
export function parseRegistryHost(registry: string): RegistryHost {
  const hint = 'a registry is a host with an optional port, such as ghcr.io or 127.0.0.1:5000';
  if (registry === '' || /[/?#@\s\\]/.test(registry)) {
    throw new InvalidReferenceError(registry, hint);
  }

  let url: URL;
  try {
    url = new URL(`https://${registry}`);
  } catch {
    throw new InvalidReferenceError(registry, hint);
  }

  const port = /:(\d+)$/.exec(registry)?.[1] ?? '';
  if (port !== '' && (Number(port) < 1 || Number(port) > 65535)) {
    throw new InvalidReferenceError(registry, `port ${port} is outside 1-65535`);
  }

  // URL drops the default port 443, so the port is kept from the input.
  const host = port === '' ? url.hostname : `${url.hostname}:${port}`;
  return { hostname: url.hostname, host, port };
}

/** Returns true for Docker Hub's names: `docker.io`, `index.docker.io`, `registry-1.docker.io`. */
export function isDockerHub(registry: string): boolean {
  return DOCKER_HUB_ALIASES.has(registry.toLowerCase());
}

/**
 * Returns the origin (`scheme://host[:port]`) that serves the API of
 * `registry`. Docker Hub, named `docker.io` in references, is served at
 * `registry-1.docker.io`.
 *
 * @example registryOrigin('docker.io', 'https') // 'https://registry-1.docker.io'
 * @example registryOrigin('[::1]:5000', 'http') // 'http://[::1]:5000'
 */
export function registryOrigin(registry: string, scheme: 'https' | 'http'): string {
  const { host } = parseRegistryHost(registry);
  const apiHost = isDockerHub(host) ? DOCKER_HUB_API_HOST : host;
  return `${scheme}://${apiHost}`;
}

/** Strips the brackets URL puts around IPv6 literals. */
function bareHostname(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * Returns true when `hostname` (as `URL.hostname` shows it) is a loopback
 * address or `localhost`. Only those may use plain HTTP without being marked
 * insecure, because traffic to them never leaves the machine.
 */
export function isLoopbackHostname(hostname: string): boolean {
  return loopbackHostnames.get(hostname, () => {
    const bare = bareHostname(hostname.toLowerCase());
    if (bare === 'localhost') {
      return true;
    }
    const family = isIP(bare);
    return family !== 0 && loopbackAddresses.check(bare, family === 6 ? 'ipv6' : 'ipv4');
  });
}

/** Returns true when `address` is an IP literal in 169.254.0.0/16 or fe80::/10. */
export function isLinkLocalAddress(address: string): boolean {
  const bare = bareHostname(address);
  const family = isIP(bare);
  return family !== 0 && linkLocalAddresses.check(bare, family === 6 ? 'ipv6' : 'ipv4');
}

/** Returns true for link-local addresses and cloud metadata host names, which the transport never contacts. */
export function isBlockedHostname(hostname: string): boolean {
  return blockedHostnames.get(hostname, () => {
    const lower = hostname.toLowerCase().replace(/\.$/, '');
    return METADATA_HOST_NAMES.has(lower) || isLinkLocalAddress(lower);
  });
}
