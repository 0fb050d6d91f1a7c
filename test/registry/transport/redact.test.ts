import { describe, expect, it } from 'vitest';

import { SecretRedactor, redactSecrets, redactUrl } from '../../../src/registry/redact.js';

describe('redactUrl', () => {
  const cases = [
    { url: 'https://user:pass@ghcr.io/v2/', expected: 'https://ghcr.io/v2/' },
    {
      url: 'https://auth.docker.io/token?scope=repository%3Alibrary%2Falpine%3Apull&service=registry.docker.io',
      expected: 'https://auth.docker.io/token?scope=repository%3Alibrary%2Falpine%3Apull&service=registry.docker.io',
    },
    {
      url: 'https://s3.example.net/blob?X-Amz-Signature=abc123&X-Amz-Credential=AKIA&digest=sha256%3A1',
      expected: 'https://s3.example.net/blob?X-Amz-Signature=***&X-Amz-Credential=***&digest=sha256%3A1',
    },
    { url: 'https://ghcr.io/v2/org/app/tags/list?n=100&last=1.2', expected: 'https://ghcr.io/v2/org/app/tags/list?n=100&last=1.2' },
    {
      url: 'https://ghcr.io/v2/org/app/blobs/uploads/?mount=sha256%3A1&from=base%2Fos&_state=secret-state',
      expected: 'https://ghcr.io/v2/org/app/blobs/uploads/?mount=sha256%3A1&from=base%2Fos&_state=***',
    },
    { url: '/v2/org/app/blobs/uploads/1?_state=abc&digest=sha256:1', expected: '/v2/org/app/blobs/uploads/1?_state=***&digest=sha256%3A1' },
    { url: '/v2/', expected: '/v2/' },
    { url: 'not a url user:pw@', expected: 'not a url user:pw@' },
  ];

  it.each(cases)('redacts $url', ({ url, expected }) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('redactSecrets', () => {
  const cases = [
    { text: 'Authorization: Basic dXNlcjpwYXNz', expected: 'Authorization: Basic ***' },
    { text: 'authorization: bearer abc.def-ghi', expected: 'authorization: bearer ***' },
    { text: 'jwt eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl here', expected: 'jwt *** here' },
    { text: '{"token":"t0k3n","expires_in":60}', expected: '{"token":"***","expires_in":60}' },
    { text: '{"access_token": "a\\"b", "scope": "x"}', expected: '{"access_token": "***", "scope": "x"}' },
    { text: 'grant_type=refresh_token&refresh_token=r3fresh&service=x', expected: 'grant_type=refresh_token&refresh_token=***&service=x' },
    { text: 'nothing secret here', expected: 'nothing secret here' },
  ];

  it.each(cases)('masks $text', ({ text, expected }) => {
    expect(redactSecrets(text)).toBe(expected);
  });
});

describe('SecretRedactor', () => {
  const redactor = new SecretRedactor().addBasic('alice', 'pa$$word:with/parts').add('opaque-token-value');
  const forms = [
    'pa$$word:with/parts',
    'alice:pa$$word:with/parts',
    Buffer.from('alice:pa$$word:with/parts').toString('base64'),
    Buffer.from('pa$$word:with/parts').toString('base64'),
    encodeURIComponent('pa$$word:with/parts'),
    'opaque-token-value',
    Buffer.from('opaque-token-value').toString('base64'),
    Buffer.from('opaque-token-value').toString('base64url'),
  ];

  it.each(forms)('masks the form %s', (form) => {
    const text = `before ${form} after`;

    expect(redactor.redact(text)).toBe('before *** after');
  });

  it('keeps a username that appears alone', () => {
    expect(redactor.redact('user alice failed')).toBe('user alice failed');
  });

  it('ignores secrets shorter than 4 characters', () => {
    expect(new SecretRedactor().add('ab').redact('a tab and a cab')).toBe('a tab and a cab');
  });

  it('merges the secrets of another redactor', () => {
    const merged = new SecretRedactor().merge(new SecretRedactor().add('merged-secret'));

    expect(merged.redact('x merged-secret y')).toBe('x *** y');
  });
});
