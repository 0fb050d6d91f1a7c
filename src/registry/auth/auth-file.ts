import { readFile } from 'node:fs/promises';

import { TagkeeperError } from '../../errors.js';
import { runCredentialHelper } from './credential-helper.js';
import type { Credential } from './credentials.js';
import { helperServerUrl, keyMatch, parseRegistryKey } from './registry-key.js';

/** A Docker `config.json` or Podman `auth.json` cannot be read or contains an invalid entry. */
export class CredentialFileError extends TagkeeperError {
  override readonly name = 'CredentialFileError';
  readonly code = 'INVALID_CREDENTIAL_FILE';

  constructor(
    /** Path of the file. */
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid credential file ${path}: ${reason}`, options);
  }
}

/** One `auths` entry, as Docker and Podman write it. */
interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
  registrytoken?: unknown;
}

/** The parts of a credential file tagkeeper reads. */
export interface AuthFileContent {
  path: string;
  auths: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers: Record<string, string>;
}

/**
 * Reads a Docker `config.json` or a Podman `auth.json` (both use `auths`,
 * `credsStore` and `credHelpers`). Returns undefined when the file does not
 * exist.
 *
 * @throws CredentialFileError when the file cannot be read or is not a JSON object.
 */
export async function readAuthFile(path: string): Promise<AuthFileContent | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return undefined;
    }
    throw new CredentialFileError(path, `it cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`, { cause: error });
  }

  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new CredentialFileError(path, 'it is not valid JSON; fix or remove it');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new CredentialFileError(path, 'the top level is not a JSON object');
  }

  const { auths, credsStore, credHelpers } = document as { auths?: unknown; credsStore?: unknown; credHelpers?: unknown };
  return {
    path,
    auths: isObject(auths) ? (auths as Record<string, AuthEntry>) : {},
    credsStore: typeof credsStore === 'string' && credsStore !== '' ? credsStore : undefined,
    credHelpers: isObject(credHelpers) ? stringValues(credHelpers as Record<string, unknown>) : {},
  };
}

/**
 * Finds the credential for `host` in a credential file, in Docker's order:
 * a `credHelpers` entry for the host, then the `credsStore` helper, then the
 * `auths` entry. A helper that stores nothing for the host passes on to the
 * next source.
 */
export async function credentialFromFile(
  file: AuthFileContent,
  host: string,
  repository: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Credential | undefined> {
  const helperKey = bestKey(Object.keys(file.credHelpers), host, repository);
  if (helperKey !== undefined) {
    const helper = file.credHelpers[helperKey] ?? '';
    const credential = await runCredentialHelper(helper, helperServerUrlFor(helperKey, host), env);
    if (credential) {
      return credential;
    }
  }

  const authKey = bestKey(Object.keys(file.auths), host, repository);
  if (file.credsStore !== undefined) {
    const credential = await runCredentialHelper(file.credsStore, helperServerUrlFor(authKey, host), env);
    if (credential) {
      return credential;
    }
  }

  return authKey === undefined ? undefined : parseAuthEntry(file.path, authKey, file.auths[authKey] ?? {});
}

/** Docker hands a helper the key as written in the file, and Docker Hub's v1 URL when no key names the host. */
function helperServerUrlFor(key: string | undefined, host: string): string {
  return key ?? helperServerUrl(host);
}

function bestKey(keys: string[], host: string, repository: string | undefined): string | undefined {
  let best: { key: string; rank: number } | undefined;
  for (const key of keys) {
    const rank = keyMatch(parseRegistryKey(key), host, repository);
    if (rank !== undefined && (best === undefined || rank > best.rank)) {
      best = { key, rank };
    }
  }
  return best?.key;
}

/** Turns an `auths` entry into a credential; an entry with nothing in it, as `credsStore` leaves behind, gives undefined. */
function parseAuthEntry(path: string, key: string, entry: AuthEntry): Credential | undefined {
  if (!isObject(entry)) {
    throw new CredentialFileError(path, `the auths entry "${key}" is not an object`);
  }

  const credential: Credential = {};
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(entry.auth.trim()) || colon === -1) {
      throw new CredentialFileError(path, `the "auth" field of "${key}" is not base64 of username:password; log in again to rewrite it`);
    }
    credential.username = decoded.slice(0, colon);
    credential.password = decoded.slice(colon + 1);
  }
  if (typeof entry.username === 'string' && entry.username !== '') {
    credential.username = entry.username;
  }
  if (typeof entry.password === 'string' && entry.password !== '') {
    credential.password = entry.password;
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
    credential.identityToken = entry.identitytoken;
  }
  if (typeof entry.registrytoken === 'string' && entry.registrytoken !== '') {
    credential.registryToken = entry.registrytoken;
  }

  return Object.keys(credential).length === 0 ? undefined : credential;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringValues(record: Record<string, unknown>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'string' && value !== '') {
      result[key] = value;
    }
  }
  return result;
}
