import { afterEach, describe, expect, it, vi } from 'vitest';

import { createTransport } from '../../../src/registry/transport/index.js';
import { DebugLog } from '../../../src/registry/transport/debug-log.js';
import { SecretRedactor } from '../../../src/registry/redact.js';
import { bearerChallenge, mockTransport, staticCredentials } from './mock-transport.js';
import type { MockedTransport } from './mock-transport.js';

let mocked: MockedTransport | undefined;

afterEach(async () => {
  await mocked?.finish();
  mocked = undefined;
  vi.restoreAllMocks();
});

describe('debug output', () => {
  it('writes one numbered line per request of a token flow', async () => {
    mocked = mockTransport({ credentials: staticCredentials({ 'docker.io': { username: 'hubuser', password: 'hub-pass-5' } }) });
    const challenge = bearerChallenge('https://auth.docker.io/token', 'registry.docker.io', 'repository:library/alpine:pull');
    const hub = mocked.agent.get('https://registry-1.docker.io');
    hub.intercept({ path: '/v2/library/alpine/manifests/3', method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': challenge } });
    hub.intercept({ path: '/v2/library/alpine/manifests/3', method: 'GET' }).reply(200, '{}', { headers: { 'set-cookie': 'session=cookie-value-6' } });
    mocked.agent
      .get('https://auth.docker.io')
      .intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' })
      .reply(200, '{"token":"hub-token-7"}');

    const response = await mocked.transport.request('docker.io', {
      method: 'GET',
      url: '/v2/library/alpine/manifests/3',
      scopes: [{ repository: 'library/alpine', actions: ['pull'] }],
    });
    await response.body.text();

    expect(mocked.lines).toHaveLength(3);
    expect(mocked.lines[0]).toMatch(/^#1 GET https:\/\/registry-1\.docker\.io\/v2\/library\/alpine\/manifests\/3 -> 401 in \d+ ms$/);
    expect(mocked.lines[1]).toMatch(
      /^#2 GET https:\/\/auth\.docker\.io\/token\?service=registry\.docker\.io&scope=repository%3Alibrary%2Falpine%3Apull -> 200 in \d+ ms \(token request for docker\.io, with username and password\)$/,
    );
    expect(mocked.lines[2]).toMatch(/^#3 GET .* -> 200 in \d+ ms \(after HTTP 401, with a new token\)$/);
    const all = mocked.lines.join('\n');
    for (const secret of ['hub-pass-5', 'hub-token-7', 'cookie-value-6', Buffer.from('hubuser:hub-pass-5').toString('base64')]) {
      expect(all).not.toContain(secret);
    }
  });

  it('is silent without a debug option', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    const stdout = vi.spyOn(process.stdout, 'write');
    const log = vi.spyOn(console, 'log');
    const error = vi.spyOn(console, 'error');
    const { MockAgent } = await import('undici');
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get('https://registry.example.com').intercept({ path: '/v2/', method: 'GET' }).reply(200, '{}');
    const transport = createTransport({ dispatcher: agent, credentials: staticCredentials({}), env: {} });

    const response = await transport.request('registry.example.com', { method: 'GET', url: '/v2/' });
    await response.body.text();
    await transport.close();
    await agent.close();

    expect(stderr).not.toHaveBeenCalled();
    expect(stdout).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });
});

describe('DebugLog', () => {
  it('masks secrets in a line through the redactor', () => {
    const lines: string[] = [];
    const log = new DebugLog((line) => lines.push(line));

    log.write(
      log.next(),
      { method: 'GET', url: 'https://u:p@registry.example.com/v2/?token=leak-8', status: 200, durationMs: 3.4, note: 'sent secret-note-9' },
      new SecretRedactor().add('secret-note-9'),
    );

    expect(lines).toEqual(['#1 GET https://registry.example.com/v2/?token=*** -> 200 in 3 ms (sent ***)']);
  });

  it('names the failure when no response arrived', () => {
    const lines: string[] = [];
    const log = new DebugLog((line) => lines.push(line));

    log.write(log.next(), { method: 'HEAD', url: 'https://registry.example.com/v2/', failure: 'ECONNRESET', durationMs: 12 });

    expect(lines).toEqual(['#1 HEAD https://registry.example.com/v2/ -> failed (ECONNRESET) in 12 ms']);
  });
});
