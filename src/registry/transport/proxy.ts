import { BlockList, isIP } from 'node:net';

import { isLoopbackHostname } from './origin.js';

/**
 * Returns the proxy URL to reach `url` through, from `HTTPS_PROXY` (for
 * https) or `HTTP_PROXY` (for http), upper case first as Go reads them, or
 * undefined for a direct connection. Loopback hosts are always reached
 * directly. `NO_PROXY` entries, separated by commas or spaces, are:
 * `*` (no proxy at all), a host name that also matches its subdomains
 * (`example.com`, `.example.com`, `*.example.com`), an optional `:port`
 * after it, an IP address, or an IP range in CIDR form (`10.0.0.0/8`).
 * A proxy value without a scheme (`proxy:3128`) means `http://proxy:3128`.
 */
export function selectProxy(url: URL, env: NodeJS.ProcessEnv): string | undefined {
  if (isLoopbackHostname(url.hostname)) {
    return undefined;
  }

  const proxy =
    url.protocol === 'https:'
      ? firstSet(env.HTTPS_PROXY, env.https_proxy)
      : firstSet(env.HTTP_PROXY, env.http_proxy);
  if (proxy === undefined) {
    return undefined;
  }

  const noProxy = firstSet(env.NO_PROXY, env.no_proxy) ?? '';
  if (isExcluded(url, noProxy)) {
    return undefined;
  }

  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}

function firstSet(...values: Array<string | undefined>): string | undefined {
  return values.find((value) => value !== undefined && value.trim() !== '')?.trim();
}

function isExcluded(url: URL, noProxy: string): boolean {
  const hostname = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');

  for (const rawEntry of noProxy.split(/[,\s]+/)) {
    const entry = rawEntry.trim().toLowerCase();
    if (entry === '') {
      continue;
    }
    if (entry === '*') {
      return true;
    }
    if (matchesEntry(hostname, port, entry)) {
      return true;
    }
  }
  return false;
}

function matchesEntry(hostname: string, port: string, entry: string): boolean {
  if (entry.includes('/')) {
    return matchesRange(hostname, entry);
  }

  const { host: entryHost, port: entryPort } = splitEntry(entry);
  if (entryPort !== undefined && entryPort !== port) {
    return false;
  }

  const domain = entryHost.replace(/^\*?\./, '');
  return hostname === domain || hostname.endsWith(`.${domain}`);
}

function splitEntry(entry: string): { host: string; port?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    return { host: bracketed[1] ?? '', port: bracketed[2] };
  }
  if (isIP(entry) === 6) {
    return { host: entry };
  }

  const withPort = /^(.*):(\d+)$/.exec(entry);
  return withPort ? { host: withPort[1] ?? '', port: withPort[2] } : { host: entry };
}

function matchesRange(hostname: string, entry: string): boolean {
  const [network = '', prefixText = ''] = entry.split('/');
  const family = isIP(network);
  const hostFamily = isIP(hostname);
  const prefix = Number(prefixText);
  if (family === 0 || hostFamily === 0 || !Number.isInteger(prefix)) {
    return false;
  }

  const range = new BlockList();
  try {
    range.addSubnet(network, prefix, family === 6 ? 'ipv6' : 'ipv4');
  } catch {
    // An invalid prefix length makes the entry match nothing, as curl and Go treat it.
    return false;
  }
  return range.check(hostname, hostFamily === 6 ? 'ipv6' : 'ipv4');
}
