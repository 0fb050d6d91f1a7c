import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { rootCertificates } from 'node:tls';

import { Pool, ProxyAgent } from 'undici';
import type { Dispatcher } from 'undici';

import { isLinkLocalAddress } from './origin.js';
import { selectProxy } from './proxy.js';

/** Error code of a connection refused because DNS resolved its host to a link-local address. */
export const BLOCKED_ADDRESS_CODE = 'BLOCKED_HOST';

/** Connection options shared by every origin. */
export interface ConnectionSettings {
  /** Connections per origin. */
  maxConnections: number;
  connectTimeoutMs: number;
  /** Extra CA certificates for a URL's host, or undefined for the system store only. */
  caFor(url: URL): Array<string | Buffer> | undefined;
  /** Source of `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`. */
  env: NodeJS.ProcessEnv;
  /** A dispatcher that replaces every pool, such as an undici `MockAgent` in tests; the caller closes it. */
  injected?: Dispatcher;
}

/**
 * One connection pool per origin (scheme, host and port): an undici `Pool`
 * with keep-alive for direct connections, or a `ProxyAgent` when the
 * environment names a proxy for the origin.
 */
export class DispatcherPool {
  readonly #settings: ConnectionSettings;
  readonly #dispatchers = new Map<string, Dispatcher>();

  constructor(settings: ConnectionSettings) {
    this.#settings = settings;
  }

  /** Returns the dispatcher for the origin of `url`, creating it on first use. */
  get(url: URL): Dispatcher {
    if (this.#settings.injected) {
      return this.#settings.injected;
    }

    const existing = this.#dispatchers.get(url.origin);
    if (existing) {
      return existing;
    }

    const created = this.#create(url);
    this.#dispatchers.set(url.origin, created);
    return created;
  }

  /** Closes every pool this object created; an injected dispatcher stays open. */
  async close(): Promise<void> {
    const dispatchers = [...this.#dispatchers.values()];
    this.#dispatchers.clear();
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.close()));
  }

  #create(url: URL): Dispatcher {
    const extraCa = this.#settings.caFor(url);
    // Node's `ca` replaces the system store, so the system roots are passed along with the extra ones.
    const ca = extraCa ? [...rootCertificates, ...extraCa] : undefined;
    const tls = { ...(ca ? { ca } : {}), timeout: this.#settings.connectTimeoutMs, lookup: guardedLookup };

    const proxy = selectProxy(url, this.#settings.env);
    if (proxy !== undefined) {
      return new ProxyAgent({
        uri: proxy,
        requestTls: tls,
        proxyTls: { timeout: this.#settings.connectTimeoutMs },
        connections: this.#settings.maxConnections,
      });
    }

    return new Pool(url.origin, { connections: this.#settings.maxConnections, connect: tls });
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Resolves like `dns.lookup`, but fails a host name that resolves to a
 * link-local address, so a DNS name pointing at a cloud metadata service
 * (169.254.169.254) cannot be reached through a redirect or a token realm.
 * IP literals never reach this function: Node connects to them directly, and
 * the transport checks those before it connects.
 */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) {
      callback(error, []);
      return;
    }

    const blockedError = checkResolvedAddresses(hostname, addresses);
    if (blockedError) {
      callback(blockedError, []);
      return;
    }

    if (options.all) {
      callback(null, addresses);
      return;
    }
    const first = addresses[0];
    callback(null, first?.address ?? '', first?.family);
  });
}

/** Returns the error for a host name that resolved to a link-local address, or undefined when every address may be contacted. */
export function checkResolvedAddresses(hostname: string, addresses: readonly LookupAddress[]): NodeJS.ErrnoException | undefined {
  const blocked = addresses.find((entry) => isLinkLocalAddress(entry.address));
  if (blocked === undefined) {
    return undefined;
  }

  const error: NodeJS.ErrnoException = new Error(
    `${hostname} resolves to the link-local address ${blocked.address}, which tagkeeper never contacts`,
  );
  error.code = BLOCKED_ADDRESS_CODE;
  return error;
}
