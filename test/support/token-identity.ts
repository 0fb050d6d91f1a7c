import { createHash, timingSafeEqual } from 'node:crypto';

import type { RegistryUser } from './htpasswd.js';
import { parseBasic, type TokenRequest } from './token-request.js';

/** Outcome of checking a token request's credentials. */
export type TokenIdentity = { status: 'user'; username: string } | { status: 'anonymous' } | { status: 'rejected' };

const ANONYMOUS: TokenIdentity = { status: 'anonymous' };
const REJECTED: TokenIdentity = { status: 'rejected' };

/**
 * Checks the credentials of a token request: Basic auth, the username and
 * password of a password grant, or a refresh token. A request without any
 * of them is anonymous.
 */
export function authenticate(
  users: readonly RegistryUser[],
  refreshTokens: ReadonlyMap<string, string>,
  tokenRequest: TokenRequest,
): TokenIdentity {
  if (tokenRequest.grantType === 'refresh_token') {
    const owner = refreshTokens.get(tokenRequest.refreshToken ?? '');
    return owner === undefined ? REJECTED : { status: 'user', username: owner };
  }

  let username = tokenRequest.username;
  let password = tokenRequest.password;
  if (tokenRequest.basicAuthorization !== undefined) {
    const credentials = parseBasic(tokenRequest.basicAuthorization);
    if (credentials === undefined) return REJECTED;
    ({ username, password } = credentials);
  }
  if (username === undefined) return tokenRequest.grantType === 'password' ? REJECTED : ANONYMOUS;

  const user = users.find((candidate) => candidate.username === username);
  if (user === undefined || !samePassword(user.password, password ?? '')) return REJECTED;
  return { status: 'user', username: user.username };
}

/** Compares passwords in constant time, by comparing their SHA-256 digests. */
function samePassword(expected: string, actual: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(expected), digest(actual));
}
