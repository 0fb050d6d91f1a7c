import { homedir } from 'node:os';
import { join } from 'node:path';

import { credentialFromFile, readAuthFile } from './auth-file.js';
import { keyMatch, parseRegistryKey } from './registry-key.js';

/** Registry login data. Set `username` and `password`, or one of the tokens. */
export interface Credential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (Docker's `identitytoken`), exchanged at the token realm for access tokens. */
  identityToken?: string;
  /** Bearer token sent to the registry as it is (Docker's `registrytoken`), with no token server involved. */
  registryToken?: string;
}

/** Source of registry credentials for the transport. */
export interface CredentialStore {
  /**
   * Returns the credential for `registry` (`ghcr.io`, `docker.io`,
   * `127.0.0.1:5000`), or undefined for anonymous access. `repository`, when
   * given, selects a key with a repository prefix such as `quay.io/org`.
   */
  get(registry: string, repository?: string): Promise<Credential | undefined>;
}

/** Sources of {@link loadCredentialStore}. */
export interface CredentialStoreOptions {
  /** Credentials that win over every file, keyed like a credential file (`ghcr.io`, `https://index.docker.io/v1/`). */
  explicit?: Record<string, Credential>;
  /** Environment for file locations and credential helpers; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Home folder for the default file locations; default `os.homedir()`. */
  homeDir?: string;
}

/**
 * Returns the credential files to search, in order: `$REGISTRY_AUTH_FILE`
 * when set, else Podman's `$XDG_RUNTIME_DIR/containers/auth.json` and
 * `~/.config/containers/auth.json`; then Docker's `$DOCKER_CONFIG/config.json`,
 * or `~/.docker/config.json` when `DOCKER_CONFIG` is unset.
 */
export function credentialFilePaths(env: NodeJS.ProcessEnv, homeDir: string): string[] {
  const paths: string[] = [];
  if (env.REGISTRY_AUTH_FILE) {
    paths.push(env.REGISTRY_AUTH_FILE);
  } else {
    if (env.XDG_RUNTIME_DIR) {
      paths.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
    }
    paths.push(join(homeDir, '.config', 'containers', 'auth.json'));
  }

  paths.push(join(env.DOCKER_CONFIG ?? join(homeDir, '.docker'), 'config.json'));
  return paths;
}

/**
 * Creates the credential store the transport uses by default. A lookup
 * takes the first source that has a credential for the registry: the
 * `explicit` credentials, then the files of {@link credentialFilePaths}, each
 * with its `credHelpers`, `credsStore` and `auths`. Docker Hub is found under
 * any of its keys (`https://index.docker.io/v1/`, `docker.io`,
 * `registry-1.docker.io`), and keys with a scheme or path
 * (`https://ghcr.io`, `quay.io/org`) match by host. Files are read on every
 * lookup, so a login made while the process runs is found. A transport
 * keeps each credential it looked up for its own lifetime.
 *
 * @throws CredentialFileError or CredentialHelperError from `get`, when a file
 * on the path is invalid or a configured helper fails.
 */
export function loadCredentialStore(options: CredentialStoreOptions = {}): CredentialStore {
  const env = options.env ?? process.env;
  const homeDir = options.homeDir ?? homedir();
  const explicit = Object.entries(options.explicit ?? {}).map(([key, credential]) => ({
    key: parseRegistryKey(key),
    credential,
  }));

  return {
    async get(registry: string, repository?: string): Promise<Credential | undefined> {
      const fromOptions = bestExplicit(explicit, registry, repository);
      if (fromOptions) {
        return fromOptions;
      }

      for (const path of credentialFilePaths(env, homeDir)) {
        const file = await readAuthFile(path);
        const credential = file && (await credentialFromFile(file, registry, repository, env));
        if (credential) {
          return credential;
        }
      }
      return undefined;
    },
  };
}

function bestExplicit(
  entries: Array<{ key: ReturnType<typeof parseRegistryKey>; credential: Credential }>,
  registry: string,
  repository: string | undefined,
): Credential | undefined {
  let best: { rank: number; credential: Credential } | undefined;
  for (const entry of entries) {
    const rank = keyMatch(entry.key, registry, repository);
    if (rank !== undefined && (best === undefined || rank > best.rank)) {
      best = { rank, credential: entry.credential };
    }
  }
  return best?.credential;
}
