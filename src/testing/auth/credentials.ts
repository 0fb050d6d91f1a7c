import { createHash, timingSafeEqual } from 'node:crypto';

/** A user name and password from a `Basic` authorization header or a token request form. */
export interface Credentials {
  username: string;
  password: string;
}

/** Returns the credentials of an `Authorization: Basic …` header, or undefined when it is absent or malformed. */
export function parseBasicAuthorization(header: string | undefined): Credentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) {
    return undefined;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    return undefined;
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Returns the token of an `Authorization: Bearer …` header, or undefined when there is none. */
export function parseBearerAuthorization(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Returns true when `credentials` name a user of `users` with the right
 * password. Passwords are compared in constant time, as a real registry does.
 */
export function verifyCredentials(users: Record<string, string>, credentials: Credentials): boolean {
  const expected = Object.hasOwn(users, credentials.username) ? users[credentials.username] : undefined;
  // Hashing first gives both sides the same length for timingSafeEqual.
  const expectedHash = createHash('sha256').update(expected ?? '').digest();
  const actualHash = createHash('sha256').update(credentials.password).digest();
  return expected !== undefined && timingSafeEqual(expectedHash, actualHash);
}
