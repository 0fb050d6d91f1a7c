/**
 * Writes the htpasswd file of a registry with basic auth. Distribution 2.8
 * accepts only bcrypt entries (`user:$2b$...`), so passwords are hashed with
 * bcryptjs.
 */
import { writeFile } from 'node:fs/promises';

import bcrypt from 'bcryptjs';

import { InvalidRegistryOptionsError } from './errors.js';

/** A registry user. */
export interface RegistryUser {
  username: string;
  password: string;
}

/**
 * bcrypt cost 4, the smallest bcrypt allows. The registry checks the hash on
 * every request with basic auth, and test passwords need no resistance to
 * guessing.
 */
const BCRYPT_COST = 4;

/** bcrypt reads at most 72 bytes of a password, so a longer one would match on its first 72 bytes alone. */
const MAX_PASSWORD_BYTES = 72;

/** Writes one bcrypt line per user to `file`, readable by the owner only. */
export async function writeHtpasswd(file: string, users: readonly RegistryUser[]): Promise<void> {
  checkUsers(users);
  const lines = users.map((user) => `${user.username}:${bcrypt.hashSync(user.password, BCRYPT_COST)}\n`);
  await writeFile(file, lines.join(''), { mode: 0o600 });
}

/**
 * Checks the users of a registry with auth.
 *
 * @throws InvalidRegistryOptionsError for no users, a repeated username, a
 *   username that is empty or contains `:` or a line break, or a password
 *   that is empty, longer than 72 bytes or contains a line break.
 */
export function checkUsers(users: readonly RegistryUser[]): void {
  if (users.length === 0) {
    throw new InvalidRegistryOptionsError('a registry with auth needs at least one user: pass users or leave them out for the default user');
  }

  const seen = new Set<string>();
  for (const { username, password } of users) {
    if (username.length === 0 || /[:\r\n]/.test(username)) {
      throw new InvalidRegistryOptionsError(`username ${JSON.stringify(username)} is invalid: use a non-empty name without ":" or line breaks`);
    }
    if (seen.has(username)) {
      throw new InvalidRegistryOptionsError(`username "${username}" is listed twice: give each user once`);
    }
    seen.add(username);

    const invalidPassword = password.length === 0 || /[\r\n]/.test(password) || Buffer.byteLength(password) > MAX_PASSWORD_BYTES;
    if (invalidPassword) {
      throw new InvalidRegistryOptionsError(
        `the password of user "${username}" is invalid: use 1 to ${MAX_PASSWORD_BYTES} bytes without line breaks`,
      );
    }
  }
}
