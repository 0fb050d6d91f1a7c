import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { InvalidChallengeError, parseWwwAuthenticate } from '../../../src/registry/auth/challenge.js';
import type { Challenge } from '../../../src/registry/auth/challenge.js';
import { isTagkeeperError } from '../../../src/errors.js';

describe('parseWwwAuthenticate', () => {
  const cases: Array<{ name: string; header: string; expected: Challenge[] }> = [
    {
      name: 'Docker Hub bearer challenge',
      header: 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      expected: [
        {
          scheme: 'bearer',
          params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' },
        },
      ],
    },
    {
      name: 'scope with commas in its action list',
      header: 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/app:pull,push"',
      expected: [
        { scheme: 'bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:org/app:pull,push' } },
      ],
    },
    {
      name: 'Distribution htpasswd challenge',
      header: 'Basic realm="tagkeeper-test-registry"',
      expected: [{ scheme: 'basic', params: { realm: 'tagkeeper-test-registry' } }],
    },
    {
      name: 'two challenges in one header',
      header: 'Basic realm="basic realm", Bearer realm="https://r.example/token",service="r"',
      expected: [
        { scheme: 'basic', params: { realm: 'basic realm' } },
        { scheme: 'bearer', params: { realm: 'https://r.example/token', service: 'r' } },
      ],
    },
    {
      name: 'quoted value with escaped quote and backslash',
      header: 'Bearer realm="https://r.example/token",error_description="say \\"hi\\" \\\\ bye"',
      expected: [{ scheme: 'bearer', params: { realm: 'https://r.example/token', error_description: 'say "hi" \\ bye' } }],
    },
    {
      name: 'unquoted token values and spaces around equals',
      header: 'Bearer realm = "https://r.example/token" , error=insufficient_scope',
      expected: [{ scheme: 'bearer', params: { realm: 'https://r.example/token', error: 'insufficient_scope' } }],
    },
    {
      name: 'scheme and parameter names in mixed case',
      header: 'BEARER Realm="https://r.example/token",SERVICE="r"',
      expected: [{ scheme: 'bearer', params: { realm: 'https://r.example/token', service: 'r' } }],
    },
    {
      name: 'empty quoted value',
      header: 'Bearer realm="https://r.example/token",scope=""',
      expected: [{ scheme: 'bearer', params: { realm: 'https://r.example/token', scope: '' } }],
    },
    {
      name: 'token68 form',
      header: 'Negotiate YIIBhwYGKwYBBQUCoIIBezCCAXeg==, Basic realm="x"',
      expected: [
        { scheme: 'negotiate', params: {}, token68: 'YIIBhwYGKwYBBQUCoIIBezCCAXeg==' },
        { scheme: 'basic', params: { realm: 'x' } },
      ],
    },
    {
      name: 'scheme without parameters',
      header: 'Basic',
      expected: [{ scheme: 'basic', params: {} }],
    },
    {
      name: 'empty list elements between challenges',
      header: ' , Basic realm="a" ,, Bearer realm="https://b.example/t" ,',
      expected: [
        { scheme: 'basic', params: { realm: 'a' } },
        { scheme: 'bearer', params: { realm: 'https://b.example/t' } },
      ],
    },
    {
      name: 'repeated parameter keeps the first value',
      header: 'Bearer realm="https://first.example/t",realm="https://second.example/t"',
      expected: [{ scheme: 'bearer', params: { realm: 'https://first.example/t' } }],
    },
    { name: 'empty header', header: '', expected: [] },
  ];

  it.each(cases)('parses $name', ({ header, expected }) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });

  const malformed = [
    { name: 'unterminated quoted value', header: 'Bearer realm="https://r.example/token' },
    { name: 'quoted value ending in a backslash', header: 'Bearer realm="abc\\' },
    { name: 'missing parameter value', header: 'Bearer realm=,service="x"' },
    { name: 'garbage after a value', header: 'Bearer realm="a" junk"' },
    { name: 'control character in a quoted value', header: 'Bearer realm="a\u0001b"' },
    { name: 'header starting with a quote', header: '"Bearer"' },
    { name: 'equals without a name', header: 'Bearer ="x"' },
  ];

  it.each(malformed)('rejects $name with InvalidChallengeError', ({ header }) => {
    let thrown: unknown;
    try {
      parseWwwAuthenticate(header);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(InvalidChallengeError);
    expect((thrown as InvalidChallengeError).code).toBe('INVALID_CHALLENGE');
    expect((thrown as Error).message).toContain('WWW-Authenticate');
  });

  it('returns or throws a typed error for any input', () => {
    const alphabet = fc.constantFrom(...'Bearer realm="\\,= \t;a1/:'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }).map((chars) => chars.join('')), (header) => {
        try {
          const challenges = parseWwwAuthenticate(header);
          expect(Array.isArray(challenges)).toBe(true);
        } catch (error) {
          expect(isTagkeeperError(error)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('parses what a quoting writer produces', () => {
    // Control characters other than tab may not appear in a quoted value.
    const value = fc.string({ maxLength: 30 }).filter((text) => [...text].every((char) => char === '\t' || char >= ' '));
    fc.assert(
      fc.property(value, value, (realm, scope) => {
        const quote = (text: string): string => `"${text.replace(/["\\]/g, (char) => `\\${char}`)}"`;
        const header = `Bearer realm=${quote(realm)},scope=${quote(scope)}`;
        expect(parseWwwAuthenticate(header)).toEqual([{ scheme: 'bearer', params: { realm, scope } }]);
      }),
    );
  });
});
