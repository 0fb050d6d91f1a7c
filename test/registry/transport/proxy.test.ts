import { describe, expect, it } from 'vitest';

import { selectProxy } from '../../../src/registry/transport/proxy.js';

describe('selectProxy', () => {
  const proxies = { HTTPS_PROXY: 'http://secure-proxy:3128', HTTP_PROXY: 'http://plain-proxy:3128' };
  const cases: Array<{ name: string; url: string; env: NodeJS.ProcessEnv; expected: string | undefined }> = [
    { name: 'https uses HTTPS_PROXY', url: 'https://ghcr.io/v2/', env: proxies, expected: 'http://secure-proxy:3128' },
    { name: 'http uses HTTP_PROXY', url: 'http://registry.lan/v2/', env: proxies, expected: 'http://plain-proxy:3128' },
    { name: 'lower-case names work', url: 'https://ghcr.io/v2/', env: { https_proxy: 'http://lower:3128' }, expected: 'http://lower:3128' },
    { name: 'upper case wins', url: 'https://ghcr.io/v2/', env: { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' }, expected: 'http://upper:1' },
    { name: 'no proxy set', url: 'https://ghcr.io/v2/', env: {}, expected: undefined },
    { name: 'a blank value is unset', url: 'https://ghcr.io/v2/', env: { HTTPS_PROXY: '  ' }, expected: undefined },
    { name: 'a value without scheme is http', url: 'https://ghcr.io/v2/', env: { HTTPS_PROXY: 'proxy.corp:8080' }, expected: 'http://proxy.corp:8080' },
    { name: 'loopback IPv4 goes direct', url: 'http://127.0.0.1:5000/v2/', env: proxies, expected: undefined },
    { name: 'loopback IPv6 goes direct', url: 'https://[::1]:5000/v2/', env: proxies, expected: undefined },
    { name: 'localhost goes direct', url: 'https://localhost:5000/v2/', env: proxies, expected: undefined },
    { name: 'NO_PROXY exact host', url: 'https://ghcr.io/v2/', env: { ...proxies, NO_PROXY: 'ghcr.io' }, expected: undefined },
    { name: 'NO_PROXY domain covers subdomains', url: 'https://pkg.ghcr.io/v2/', env: { ...proxies, NO_PROXY: 'ghcr.io' }, expected: undefined },
    { name: 'NO_PROXY leading dot', url: 'https://a.corp.example/v2/', env: { ...proxies, NO_PROXY: '.corp.example' }, expected: undefined },
    { name: 'NO_PROXY leading *.', url: 'https://a.corp.example/v2/', env: { ...proxies, NO_PROXY: '*.corp.example' }, expected: undefined },
    { name: 'NO_PROXY does not match a longer name', url: 'https://notghcr.io/v2/', env: { ...proxies, NO_PROXY: 'ghcr.io' }, expected: 'http://secure-proxy:3128' },
    { name: 'NO_PROXY with matching port', url: 'https://registry.lan:5000/v2/', env: { ...proxies, NO_PROXY: 'registry.lan:5000' }, expected: undefined },
    { name: 'NO_PROXY with another port', url: 'https://registry.lan:5000/v2/', env: { ...proxies, NO_PROXY: 'registry.lan:6000' }, expected: 'http://secure-proxy:3128' },
    { name: 'NO_PROXY port 443 is the https default', url: 'https://ghcr.io/v2/', env: { ...proxies, NO_PROXY: 'ghcr.io:443' }, expected: undefined },
    { name: 'NO_PROXY star', url: 'https://ghcr.io/v2/', env: { ...proxies, NO_PROXY: '*' }, expected: undefined },
    { name: 'NO_PROXY list with spaces', url: 'https://quay.io/v2/', env: { ...proxies, no_proxy: 'ghcr.io, quay.io' }, expected: undefined },
    { name: 'NO_PROXY CIDR range', url: 'https://10.1.2.3/v2/', env: { ...proxies, NO_PROXY: '10.0.0.0/8' }, expected: undefined },
    { name: 'NO_PROXY CIDR outside', url: 'https://11.1.2.3/v2/', env: { ...proxies, NO_PROXY: '10.0.0.0/8' }, expected: 'http://secure-proxy:3128' },
    { name: 'NO_PROXY IPv6 address', url: 'https://[fd00::5]/v2/', env: { ...proxies, NO_PROXY: 'fd00::5' }, expected: undefined },
    { name: 'NO_PROXY invalid CIDR matches nothing', url: 'https://10.1.2.3/v2/', env: { ...proxies, NO_PROXY: '10.0.0.0/99' }, expected: 'http://secure-proxy:3128' },
  ];

  it.each(cases)('$name', ({ url, env, expected }) => {
    expect(selectProxy(new URL(url), env)).toBe(expected);
  });
});
