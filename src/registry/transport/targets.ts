import type { RegistryAuthState } from '../auth/authenticator.js';
import { DOCKER_HUB_API_HOST, DOCKER_HUB_REGISTRY, isDockerHub, isLoopbackHostname, parseRegistryHost } from './origin.js';

/** Connection and auth state of one registry. */
export interface RegistryTarget extends RegistryAuthState {
  /** `host[:port]` that serves the API (`registry-1.docker.io` for Docker Hub). */
  apiHost: string;
  /** The scheme in use, once known. HTTPS unless the host allows plain HTTP and its TLS handshake failed. */
  scheme?: 'https' | 'http';
  /** The running probe for scheme and challenge, shared by concurrent requests. */
  probing?: Promise<void>;
  /** Returns the API origin with `scheme`, or with the known scheme (HTTPS until one is known). */
  origin(scheme?: 'https' | 'http'): string;
  /** Returns true when `url` is on the API origin, the only one that receives the registry's `Authorization`. */
  isOwnOrigin(url: string | URL): boolean;
}

/** The state of every registry a transport has talked to, and its plain-HTTP rules. */
export class RegistryTargets {
  readonly #insecureHosts: ReadonlySet<string>;
  readonly #targets = new Map<string, RegistryTarget>();
  readonly #byGivenName = new Map<string, RegistryTarget>();

  /** @param insecureHosts hosts (`host` or `host:port`, lower case) that may use plain HTTP. */
  constructor(insecureHosts: ReadonlySet<string>) {
    this.#insecureHosts = insecureHosts;
  }

  /**
   * Returns the target for `registry`, creating it on first use. Docker Hub's
   * names share one target.
   *
   * @throws InvalidReferenceError when `registry` is not a host with an optional port.
   */
  get(registry: string): RegistryTarget {
    // Every request looks its registry up, so the name as given is a key too, which skips parsing it again.
    const known = this.#byGivenName.get(registry);
    if (known) {
      return known;
    }

    const { host, hostname } = parseRegistryHost(registry);
    const name = isDockerHub(host) ? DOCKER_HUB_REGISTRY : host;
    const existing = this.#targets.get(name);
    if (existing) {
      this.#byGivenName.set(registry, existing);
      return existing;
    }

    const apiHost = name === DOCKER_HUB_REGISTRY ? DOCKER_HUB_API_HOST : host;
    const apiHostname = name === DOCKER_HUB_REGISTRY ? DOCKER_HUB_API_HOST : hostname;
    const target: RegistryTarget = {
      registry: name,
      apiHost,
      apiHostname,
      plainHttpAllowed: isLoopbackHostname(apiHostname) || this.#isInsecure(apiHost, apiHostname) || this.#isInsecure(name, name),
      credentials: new Map(),
      origin(scheme) {
        return `${scheme ?? target.scheme ?? 'https'}://${apiHost}`;
      },
      isOwnOrigin(url) {
        try {
          return new URL(url).origin === new URL(target.origin()).origin;
        } catch {
          return false;
        }
      },
    };
    this.#targets.set(name, target);
    this.#byGivenName.set(registry, target);
    return target;
  }

  /** Returns true when plain HTTP to `url` is allowed: a loopback host, or a host marked insecure. */
  allowsPlainHttp(url: URL): boolean {
    return isLoopbackHostname(url.hostname) || this.#isInsecure(url.host, url.hostname);
  }

  #isInsecure(host: string, hostname: string): boolean {
    return this.#insecureHosts.has(host.toLowerCase()) || this.#insecureHosts.has(hostname.toLowerCase());
  }
}
