import { describe, expect, it } from 'vitest';

import { InvalidReferenceError } from '../../../src/registry/errors.js';
import {
  isBlockedHostname,
  isLinkLocalAddress,
  isLoopbackHostname,
  parseRegistryHost,
  registryOrigin,
} from '../../../src/registry/transport/origin.js';

describe('registryOrigin', () => {
  const cases = [
    { registry: 'docker.io', scheme: 'https' as const, expected: 'https://registry-1.docker.io' },
    { registry: 'index.docker.io', scheme: 'https' as const, expected: 'https://registry-1.docker.io' },
    { registry: 'registry-1.docker.io', scheme: 'https' as const, expected: 'https://registry-1.docker.io' },
    { registry: 'ghcr.io', scheme: 'https' as const, expected: 'https://ghcr.io' },
    { registry: 'GHCR.IO', scheme: 'https' as const, expected: 'https://ghcr.io' },
    { registry: '127.0.0.1:5000', scheme: 'http' as const, expected: 'http://127.0.0.1:5000' },
    { registry: '[::1]:5000', scheme: 'http' as const, expected: 'http://[::1]:5000' },
    { registry: 'registry.example.com:443', scheme: 'https' as const, expected: 'https://registry.example.com:443' },
  ];

  it.each(cases)('maps $registry to $expected', ({ registry, scheme, expected }) => {
    expect(registryOrigin(registry, scheme)).toBe(expected);
  });

  it.each(['', 'https://ghcr.io', 'ghcr.io/org', 'user:pw@ghcr.io', 'ghcr.io:0', 'ghcr.io:70000', 'ghcr io', '[::1', 'ghcr.io?x=1'])(
    'rejects %j',
    (registry) => {
      expect(() => registryOrigin(registry, 'https')).toThrow(InvalidReferenceError);
    },
  );
});

describe('parseRegistryHost', () => {
  it.each([
    { registry: 'ghcr.io', expected: { hostname: 'ghcr.io', host: 'ghcr.io', port: '' } },
    { registry: 'Quay.IO:8443', expected: { hostname: 'quay.io', host: 'quay.io:8443', port: '8443' } },
    { registry: '[::1]:5000', expected: { hostname: '[::1]', host: '[::1]:5000', port: '5000' } },
    { registry: 'registry.example.com:443', expected: { hostname: 'registry.example.com', host: 'registry.example.com:443', port: '443' } },
  ])('splits $registry', ({ registry, expected }) => {
    expect(parseRegistryHost(registry)).toEqual(expected);
  });
});

describe('isLoopbackHostname', () => {
  it.each([
    { hostname: '127.0.0.1', loopback: true },
    { hostname: '127.255.10.3', loopback: true },
    { hostname: '[::1]', loopback: true },
    { hostname: '::1', loopback: true },
    { hostname: 'localhost', loopback: true },
    { hostname: 'LOCALHOST', loopback: true },
    { hostname: '128.0.0.1', loopback: false },
    { hostname: '10.0.0.1', loopback: false },
    { hostname: 'localhost.example.com', loopback: false },
    { hostname: '127.0.0.1.nip.io', loopback: false },
    { hostname: '[::2]', loopback: false },
  ])('$hostname is loopback: $loopback', ({ hostname, loopback }) => {
    expect(isLoopbackHostname(hostname)).toBe(loopback);
  });
});

describe('isBlockedHostname', () => {
  it.each([
    { hostname: '169.254.169.254', blocked: true },
    { hostname: '169.254.0.1', blocked: true },
    { hostname: '[fe80::1]', blocked: true },
    { hostname: 'febf::1', blocked: true },
    { hostname: '[::ffff:a9fe:a9fe]', blocked: true },
    { hostname: 'metadata.google.internal', blocked: true },
    { hostname: 'metadata.google.internal.', blocked: true },
    { hostname: 'metadata', blocked: true },
    { hostname: '169.253.255.255', blocked: false },
    { hostname: 'fec0::1', blocked: false },
    { hostname: 'ghcr.io', blocked: false },
    { hostname: '127.0.0.1', blocked: false },
  ])('$hostname is blocked: $blocked', ({ hostname, blocked }) => {
    expect(isBlockedHostname(hostname)).toBe(blocked);
  });

  it('treats only IP literals as link-local addresses', () => {
    expect(isLinkLocalAddress('169.254.169.254.nip.io')).toBe(false);
  });
});
