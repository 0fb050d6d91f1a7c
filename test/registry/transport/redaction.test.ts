import { afterEach, describe, expect, it } from 'vitest';

import { isRegistryError } from '../../../src/registry/errors.js';
import { createTransport, errorFromResponse } from '../../../src/registry/transport/index.js';
import { useDistribution } from '../../support/registry-fixture.js';
import { bearerChallenge, mockTransport, staticCredentials } from './mock-transport.js';
import type { MockedTransport } from './mock-transport.js';
import { listTags } from './registry-operations.js';

const USERNAME = 'deploy-bot';
const PASSWORD = 'Pa55-w0rd/with+base64=chars';
const TOKEN = 'opaque-registry-token-7f3a9c';

/** Every form in which a credential could leak. */
const SECRET_FORMS: Record<string, string> = {
  'username:password': `${USERNAME}:${PASSWORD}`,
  'base64 of username:password': Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64'),
  password: PASSWORD,
  'base64 of password': Buffer.from(PASSWORD).toString('base64'),
  'URL-encoded password': encodeURIComponent(PASSWORD),
  token: TOKEN,
  'base64 of token': Buffer.from(TOKEN).toString('base64'),
};

/** Collects every text an error exposes: message, stack, URL, body, diagnostics and causes. */
function everythingIn(error: unknown, depth = 0): string {
  if (depth > 5 || typeof error !== 'object' || error === null) {
    return String(error);
  }
  const fields = error as { message?: unknown; stack?: unknown; url?: unknown; rawBody?: unknown; errors?: unknown; cause?: unknown };
  return [fields.message, fields.stack, fields.url, fields.rawBody, JSON.stringify(fields.errors), everythingIn(fields.cause, depth + 1)]
    .map((part) => String(part ?? ''))
    .join('\n');
}

function expectNoSecrets(text: string): void {
  for (const [form, secret] of Object.entries(SECRET_FORMS)) {
    expect(text.includes(secret), `${form} leaked in:\n${text}`).toBe(false);
  }
}

let mocked: MockedTransport | undefined;

afterEach(async () => {
  await mocked?.finish();
  mocked = undefined;
});

const credentials = staticCredentials({ 'registry.example.com': { username: USERNAME, password: PASSWORD } });

describe('redaction with mocked registries', () => {
  it('masks credentials a token server echoes in its refusal', async () => {
    mocked = mockTransport({ credentials });
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(401, '', {
      headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') },
    });
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(403, (request) => {
      const authorization = (request.headers as Record<string, string>).authorization ?? '';
      const decoded = Buffer.from(authorization.replace('Basic ', ''), 'base64').toString();
      return `denied ${authorization} for ${decoded}, password ${PASSWORD}`;
    });

    const failure = await mocked.transport.request('registry.example.com', { method: 'GET', url: '/v2/' }).catch((error: unknown) => error);

    expect(isRegistryError(failure)).toBe(true);
    expect((failure as { rawBody: string }).rawBody).toContain('denied');
    expectNoSecrets(everythingIn(failure));
    expectNoSecrets(mocked.lines.join('\n'));
  });

  it('masks a token and credentials a 500 body echoes', async () => {
    mocked = mockTransport({ credentials });
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/org/app/manifests/1', method: 'PUT' }).reply(401, '', {
      headers: { 'www-authenticate': bearerChallenge('https://registry.example.com/token', 'svc') },
    });
    registry.intercept({ path: (path) => path.startsWith('/token?'), method: 'GET' }).reply(200, JSON.stringify({ token: TOKEN }));
    registry.intercept({ path: '/v2/org/app/manifests/1', method: 'PUT' }).reply(500, (request) =>
      JSON.stringify({
        errors: [{ code: 'UNKNOWN', message: `internal error; headers were ${JSON.stringify(request.headers)}`, detail: { seen: TOKEN } }],
      }),
    );

    const response = await mocked.transport.request('registry.example.com', {
      method: 'PUT',
      url: '/v2/org/app/manifests/1',
      body: '{}',
      scopes: [{ repository: 'org/app', actions: ['pull', 'push'] }],
    });
    const error = await errorFromResponse(response);

    expect(response.status).toBe(500);
    expect(error.errors[0]?.message).toContain('internal error');
    expectNoSecrets(everythingIn(error));
    expectNoSecrets(mocked.lines.join('\n'));
  });

  it('masks a raw 500 body that echoes the Basic header', async () => {
    // One attempt, so the 500 of the read comes back instead of being retried.
    mocked = mockTransport({ credentials, retry: { maxAttempts: 1 } });
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': 'Basic realm="r"' } });
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(500, (request) => `proxy error, request headers: ${JSON.stringify(request.headers)}`);

    const response = await mocked.transport.request('registry.example.com', { method: 'GET', url: '/v2/' });
    const error = await errorFromResponse(response);

    expect(error.rawBody).toContain('proxy error');
    expectNoSecrets(everythingIn(error));
  });

  it('keeps credentials out of a network failure', async () => {
    mocked = mockTransport({ credentials, retry: { maxAttempts: 2, baseDelayMs: 1 } });
    const registry = mocked.agent.get('https://registry.example.com');
    registry.intercept({ path: '/v2/', method: 'GET' }).reply(401, '', { headers: { 'www-authenticate': 'Basic realm="r"' } });
    registry
      .intercept({ path: '/v2/', method: 'GET' })
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .times(2);

    const failure = await mocked.transport
      .request('registry.example.com', { method: 'GET', url: `https://${USERNAME}:${encodeURIComponent(PASSWORD)}@registry.example.com/v2/` })
      .catch((error: unknown) => error);

    expect((failure as { code: string }).code).toBe('NETWORK');
    expectNoSecrets(everythingIn(failure));
    expectNoSecrets(mocked.lines.join('\n'));
  });
});

describe('redaction with the real registry', () => {
  const registry = useDistribution({ auth: 'htpasswd', users: [{ username: USERNAME, password: PASSWORD }] });

  it('keeps a wrong password out of errors and debug lines', async () => {
    const lines: string[] = [];
    const wrong = `${PASSWORD}-wrong`;
    const transport = createTransport({
      credentials: staticCredentials({ [registry().host]: { username: USERNAME, password: wrong } }),
      env: {},
      debug: (line) => lines.push(line),
    });

    const response = await listTags(transport, registry().host, 'org/app');
    const error = await errorFromResponse(response);
    await transport.close();

    const text = `${everythingIn(error)}\n${lines.join('\n')}`;
    expect(response.status).toBe(401);
    expect(text.includes(wrong)).toBe(false);
    expect(text.includes(Buffer.from(`${USERNAME}:${wrong}`).toString('base64'))).toBe(false);
    expectNoSecrets(text);
  });

  it('keeps the right password out of debug lines', async () => {
    const lines: string[] = [];
    const transport = createTransport({
      credentials: staticCredentials({ [registry().host]: { username: USERNAME, password: PASSWORD } }),
      env: {},
      debug: (line) => lines.push(line),
    });

    const response = await listTags(transport, registry().host, 'org/app');
    await response.body.text();
    await transport.close();

    expect(lines.length).toBeGreaterThan(2);
    expectNoSecrets(lines.join('\n'));
  });
});
