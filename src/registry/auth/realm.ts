import { redactUrl } from '../redact.js';
import { BlockedHostError, InsecureSchemeError } from '../transport/errors.js';
import { DOCKER_HUB_AUTH_HOST, isBlockedHostname, isDockerHub, isLoopbackHostname } from '../transport/origin.js';
import type { RegistryAuthState } from './authenticator.js';

/**
 * Rejects a token realm the transport must not contact, before any
 * connection: a link-local or cloud metadata host, or plain HTTP to a host
 * that is not loopback, not marked insecure and not the insecure registry's
 * own host.
 *
 * @throws BlockedHostError or InsecureSchemeError naming the registry whose challenge named the realm.
 */
export function checkRealm(state: RegistryAuthState, realm: URL, allowsPlainHttp: (url: URL) => boolean): void {
  const target = () => ({ method: 'GET', url: redactUrl(realm.toString()) });
  if (isBlockedHostname(realm.hostname)) {
    throw new BlockedHostError(target(), `the token realm of ${state.registry}`);
  }

  const sameInsecureHost = state.plainHttpAllowed && realm.hostname === state.apiHostname;
  if (realm.protocol === 'http:' && !sameInsecureHost && !allowsPlainHttp(realm)) {
    throw new InsecureSchemeError(target(), `the token realm of ${state.registry}`, realm.host);
  }
}

/**
 * Returns true when the realm may receive the registry's credentials: it is
 * on the registry's own host (any port), it is Docker Hub's `auth.docker.io`
 * for Docker Hub, or its `host` or `host:port` is in `trustedRealmHosts`.
 * Other realms get anonymous token requests.
 */
export function isRealmTrusted(state: RegistryAuthState, realm: URL, trustedRealmHosts: readonly string[]): boolean {
  const hostname = realm.hostname.toLowerCase();
  if (hostname === state.apiHostname || (isDockerHub(state.registry) && hostname === DOCKER_HUB_AUTH_HOST)) {
    return true;
  }
  if (isLoopbackHostname(hostname) && isLoopbackHostname(state.apiHostname)) {
    // Loopback addresses are one machine, so a token server on another of its addresses belongs to the registry.
    return true;
  }

  const host = realm.host.toLowerCase();
  return trustedRealmHosts.some((entry) => {
    const trusted = entry.toLowerCase();
    return trusted === hostname || trusted === host;
  });
}
