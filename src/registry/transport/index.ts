import type { Dispatcher } from 'undici';

import { loadCredentialStore } from '../auth/credentials.js';
import type { CredentialStore } from '../auth/credentials.js';
import type { RegistryHostOptions, RegistryTransport } from '../transport-types.js';
import { isDockerHub, parseRegistryHost, DOCKER_HUB_API_HOST } from './origin.js';
import { HttpRegistryTransport } from './registry-transport.js';
import type { TransportSettings } from './registry-transport.js';
import { DEFAULT_RETRY } from './retry.js';
import { InvalidTransportOptionError } from './errors.js';

/** Options of {@link createTransport}. */
export interface TransportOptions {
  /** Source of credentials; default {@link loadCredentialStore} with no explicit credentials. */
  credentials?: CredentialStore;
  /** Options per registry host (`127.0.0.1:5000`, `ghcr.io`): plain HTTP allowed, extra CA certificates. */
  hosts?: Record<string, RegistryHostOptions>;
  /** Hosts that may use plain HTTP, the same as `hosts[host].insecure = true`. Certificates are still verified over HTTPS. */
  insecureRegistries?: string[];
  /** PEM certificates trusted for every registry, in addition to the system store. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Connections per origin; default 16. */
  maxConnections?: number;
  /**
   * Time limits in milliseconds: connecting (default 10 s), waiting for response headers (120 s), and between two
   * body chunks (120 s). A body time-out happens while the caller reads the body, so it fails that read.
   */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  /** Retry limits: attempts in all (default 4), backoff base (200 ms) and ceiling (10 s), largest `Retry-After` honoured (60 s). */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number; maxRetryAfterMs?: number };
  /** A dispatcher for every request, such as an undici `MockAgent` in tests. The caller closes it; proxies and CA options do not apply to it. */
  dispatcher?: Dispatcher;
  /** Token realm hosts (`host` or `host:port`) on other hosts than their registry that may receive its credentials. */
  trustedRealmHosts?: string[];
  /** Receives one line per HTTP request; silent when unset. Lines never contain credentials or tokens. */
  debug?: (line: string) => void;
  /** `User-Agent` header; default `tagkeeper`. */
  userAgent?: string;
  /** Source of `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`, and of credential file locations; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Creates the transport every registry operation sends its requests
 * through. It connects over HTTPS, and over plain HTTP only to loopback
 * hosts and hosts marked insecure, which are tried over HTTPS first. It
 * handles auth challenges (Basic, and bearer tokens from the challenge's
 * realm). It retries idempotent requests after 429, 502, 503, 504, resets
 * and time-outs, and GET and HEAD after 500 too. It follows redirects when a
 * request sets `followRedirects`.
 *
 * A 4xx or 5xx response is returned, not thrown, once auth and retries are
 * done; pass it to `errorFromResponse` for a typed error. The transport
 * throws `RegistryError` (`NETWORK`, `TIMEOUT`) when no response arrives,
 * and `AuthenticationError` when auth cannot be completed.
 *
 * @example
 * const transport = createTransport({ debug: (line) => console.error(line) });
 * const response = await transport.request('ghcr.io', {
 *   method: 'HEAD',
 *   url: '/v2/org/app/manifests/1.2.3',
 *   scopes: [{ repository: 'org/app', actions: ['pull'] }],
 * });
 */
export function createTransport(options: TransportOptions = {}): RegistryTransport {
  return new HttpRegistryTransport(resolveSettings(options));
}

function resolveSettings(options: TransportOptions): TransportSettings {
  const env = options.env ?? process.env;
  const hosts = normalizeHosts(options.hosts ?? {});
  const insecureHosts = new Set<string>();
  for (const [host, hostOptions] of hosts) {
    if (hostOptions.insecure) {
      insecureHosts.add(host);
    }
  }
  for (const host of options.insecureRegistries ?? []) {
    insecureHosts.add(apiHostOf(host));
  }

  const globalCa = toArray(options.ca);
  const caFor = (url: URL): Array<string | Buffer> | undefined => {
    const own = toArray((hosts.get(url.host.toLowerCase()) ?? hosts.get(url.hostname.toLowerCase()))?.ca);
    const all = [...globalCa, ...own];
    return all.length === 0 ? undefined : all;
  };

  const timeouts = options.timeouts ?? {};
  return {
    credentials: options.credentials ?? loadCredentialStore({ env }),
    connections: {
      maxConnections: positive(options.maxConnections, 'maxConnections') ?? 16,
      connectTimeoutMs: positive(timeouts.connectMs, 'timeouts.connectMs') ?? 10_000,
      caFor,
      env,
      injected: options.dispatcher,
    },
    timeouts: {
      headersMs: positive(timeouts.headersMs, 'timeouts.headersMs') ?? 120_000,
      bodyMs: positive(timeouts.bodyMs, 'timeouts.bodyMs') ?? 120_000,
    },
    retry: {
      maxAttempts: positive(options.retry?.maxAttempts, 'retry.maxAttempts') ?? DEFAULT_RETRY.maxAttempts,
      baseDelayMs: nonNegative(options.retry?.baseDelayMs, 'retry.baseDelayMs') ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: nonNegative(options.retry?.maxDelayMs, 'retry.maxDelayMs') ?? DEFAULT_RETRY.maxDelayMs,
      maxRetryAfterMs: nonNegative(options.retry?.maxRetryAfterMs, 'retry.maxRetryAfterMs') ?? DEFAULT_RETRY.maxRetryAfterMs,
    },
    trustedRealmHosts: (options.trustedRealmHosts ?? []).map((host) => host.toLowerCase()),
    insecureHosts,
    debug: options.debug,
    userAgent: options.userAgent ?? 'tagkeeper',
  };
}

/** Keys host options by the `host[:port]` that serves the API, so `docker.io` options apply to `registry-1.docker.io`. */
function normalizeHosts(hosts: Record<string, RegistryHostOptions>): Map<string, RegistryHostOptions> {
  const result = new Map<string, RegistryHostOptions>();
  for (const [host, hostOptions] of Object.entries(hosts)) {
    result.set(apiHostOf(host), hostOptions);
  }
  return result;
}

function apiHostOf(registry: string): string {
  const { host } = parseRegistryHost(registry);
  return isDockerHub(host) ? DOCKER_HUB_API_HOST : host;
}

function toArray(ca: string | Buffer | Array<string | Buffer> | undefined): Array<string | Buffer> {
  if (ca === undefined) {
    return [];
  }
  return Array.isArray(ca) ? ca : [ca];
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
    throw new InvalidTransportOptionError(name, value, 'a number above 0');
  }
  return value;
}

function nonNegative(value: number | undefined, name: string): number | undefined {
  if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
    throw new InvalidTransportOptionError(name, value, 'a number of 0 or more');
  }
  return value;
}

export { registryOrigin, isLoopbackHostname, isBlockedHostname } from './origin.js';
export { errorFromResponse, isRetryableStatus } from './response-error.js';
export { BlockedHostError, InsecureSchemeError, InvalidTransportOptionError, TooManyRedirectsError } from './errors.js';
export { MAX_REDIRECTS } from './redirects.js';
export { selectProxy } from './proxy.js';
export { parseRetryAfter } from './retry.js';
