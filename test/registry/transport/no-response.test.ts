import { afterEach, describe, expect, it } from 'vitest';

import { RegistryError } from '../../../src/registry/errors.js';
import { describeNoResponse } from '../../../src/registry/transport/no-response.js';
import { mockTransport } from './mock-transport.js';
import type { MockedTransport } from './mock-transport.js';

let mocked: MockedTransport | undefined;

afterEach(async () => {
  await mocked?.finish();
  mocked = undefined;
});

const MANIFEST = '/v2/org/app/manifests/1';
const URL_TEXT = `https://registry.example.com:5000${MANIFEST}`;
const LIMITS = { headersMs: 30_000, bodyMs: 1_500 };

function failingWith(code: string, message = `failed with ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe('describeNoResponse', () => {
  const exchange = { method: 'GET', url: new URL(URL_TEXT), redactedUrl: URL_TEXT };
  const connect = (failure: string) => `cannot connect to registry.example.com:5000 (${failure}); check that the registry is running and the address is right`;
  const broken = (failure: string) =>
    `the connection to registry.example.com:5000 broke during GET ${URL_TEXT} (${failure}); try again, and check the registry if it keeps failing`;

  it.each([
    ['ECONNREFUSED', 'connection refused', connect('connection refused')],
    ['ENOTFOUND', 'host name not found', connect('host name not found')],
    ['EAI_AGAIN', 'host name lookup failed temporarily', connect('host name lookup failed temporarily')],
    ['EHOSTUNREACH', 'host unreachable', connect('host unreachable')],
    ['ENETUNREACH', 'network unreachable', connect('network unreachable')],
    ['UND_ERR_CONNECT_TIMEOUT', 'connection timed out', connect('connection timed out')],
    ['ECONNRESET', 'connection reset', broken('connection reset')],
    ['EPIPE', 'connection closed while sending', broken('connection closed while sending')],
    ['UND_ERR_SOCKET', 'connection closed by the other side', broken('connection closed by the other side')],
    [
      'UND_ERR_HEADERS_TIMEOUT',
      'no response within 30 s',
      `registry.example.com:5000 did not respond to GET ${URL_TEXT} (no response within 30 s); the registry is slow or unreachable, raise the timeouts option if it is only slow`,
    ],
    [
      'UND_ERR_BODY_TIMEOUT',
      'the body stalled for 1.5 s',
      `registry.example.com:5000 stopped sending the body of GET ${URL_TEXT} (the body stalled for 1.5 s); the registry is slow or unreachable, raise the timeouts option if it is only slow`,
    ],
  ])('words %s', (code, failure, message) => {
    expect(describeNoResponse(exchange, code, 'raw reason', LIMITS)).toEqual({ failure, message });
  });

  it('falls back to the underlying reason for an unknown code', () => {
    expect(describeNoResponse(exchange, 'ESOMETHING', 'ESOMETHING: odd failure', LIMITS)).toEqual({
      failure: 'ESOMETHING: odd failure',
      message: `GET ${URL_TEXT} got no response from registry.example.com:5000 (ESOMETHING: odd failure); check that the registry is running and the address is right`,
    });
  });
});

describe('transport errors without a response', () => {
  it.each([
    ['ECONNREFUSED', 'NETWORK', true, 'cannot connect to registry.example.com:5000 (connection refused)'],
    ['ENOTFOUND', 'NETWORK', false, 'cannot connect to registry.example.com:5000 (host name not found)'],
    ['ECONNRESET', 'NETWORK', true, 'the connection to registry.example.com:5000 broke during GET'],
    ['UND_ERR_CONNECT_TIMEOUT', 'TIMEOUT', true, 'cannot connect to registry.example.com:5000 (connection timed out)'],
  ])('keeps code, retryable flag, method and URL for %s', async (code, errorCode, retryable, start) => {
    mocked = mockTransport({ retry: { maxAttempts: 1 } });
    mocked.agent.get('https://registry.example.com:5000').intercept({ path: MANIFEST, method: 'GET' }).replyWithError(failingWith(code));

    const failure = await mocked.transport.request('registry.example.com:5000', { method: 'GET', url: MANIFEST }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(RegistryError);
    expect((failure as RegistryError).code).toBe(errorCode);
    expect((failure as RegistryError).retryable).toBe(retryable);
    expect((failure as RegistryError).status).toBeUndefined();
    expect((failure as RegistryError).method).toBe('GET');
    expect((failure as RegistryError).url).toBe(URL_TEXT);
    expect((failure as Error).message.startsWith(start)).toBe(true);
    expect(mocked.lines[0]).toContain(`GET ${URL_TEXT} -> failed (${code})`);
  });
});
