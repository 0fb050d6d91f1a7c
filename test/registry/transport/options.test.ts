import { describe, expect, it } from 'vitest';

import { InvalidReferenceError } from '../../../src/registry/errors.js';
import { InvalidTransportOptionError, createTransport } from '../../../src/registry/transport/index.js';
import type { TransportOptions } from '../../../src/registry/transport/index.js';

describe('createTransport options', () => {
  const invalid: Array<{ name: string; options: TransportOptions; option: string }> = [
    { name: 'zero connections', options: { maxConnections: 0 }, option: 'maxConnections' },
    { name: 'negative headers time-out', options: { timeouts: { headersMs: -1 } }, option: 'timeouts.headersMs' },
    { name: 'infinite connect time-out', options: { timeouts: { connectMs: Number.POSITIVE_INFINITY } }, option: 'timeouts.connectMs' },
    { name: 'zero attempts', options: { retry: { maxAttempts: 0 } }, option: 'retry.maxAttempts' },
    { name: 'NaN backoff', options: { retry: { baseDelayMs: Number.NaN } }, option: 'retry.baseDelayMs' },
    { name: 'negative Retry-After limit', options: { retry: { maxRetryAfterMs: -5 } }, option: 'retry.maxRetryAfterMs' },
  ];

  it.each(invalid)('rejects $name', ({ options, option }) => {
    let thrown: unknown;
    try {
      createTransport({ ...options, env: {} });
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(InvalidTransportOptionError);
    expect((thrown as InvalidTransportOptionError).option).toBe(option);
    expect((thrown as InvalidTransportOptionError).code).toBe('INVALID_OPTION');
  });

  it.each([
    { name: 'a host key with a scheme', options: { hosts: { 'https://registry.lan': { insecure: true } } } },
    { name: 'an insecure registry with a path', options: { insecureRegistries: ['registry.lan/team'] } },
  ])('rejects $name', ({ options }) => {
    expect(() => createTransport({ ...options, env: {} })).toThrow(InvalidReferenceError);
  });

  it('accepts zero backoff for tests that must not wait', () => {
    expect(() => createTransport({ retry: { baseDelayMs: 0, maxDelayMs: 0 }, env: {} })).not.toThrow();
  });
});
