import { AuthenticationError } from '../errors.js';
import type { SecretRedactor } from '../redact.js';
import { credentialsMissingError } from '../transport/response-error.js';
import { InvalidChallengeError, parseWwwAuthenticate } from './challenge.js';
import type { Challenge } from './challenge.js';
import type { Credential, CredentialStore } from './credentials.js';
import { checkRealm, isRealmTrusted } from './realm.js';
import { normalizeScopes, splitScopeParameter } from './scope.js';
import { requestToken } from './token.js';
import type { SendTokenRequest } from './token.js';
import { TokenCache } from './token-cache.js';

/** Auth scheme of a registry, learned from its last challenge. */
export type RegistryChallenge =
  | { scheme: 'anonymous' }
  | { scheme: 'basic' }
  | { scheme: 'bearer'; realm: URL; service?: string };

/** Auth state of one registry. */
export interface RegistryAuthState {
  /** The registry as requests name it (`docker.io`, `ghcr.io`, `127.0.0.1:5000`). */
  registry: string;
  /** Host name of the origin that serves the API (`registry-1.docker.io` for `docker.io`). */
  apiHostname: string;
  /** True when the registry may be reached over plain HTTP (loopback or marked insecure). */
  plainHttpAllowed: boolean;
  /** Undefined until the registry responded to a probe or sent a challenge. */
  challenge?: RegistryChallenge;
  /** Credential lookups, by repository ('' for none), done once per transport. */
  credentials: Map<string, Promise<Credential | undefined>>;
  /** Identity tokens that a token server replaced with a new refresh token: old to new, kept in memory only. */
  rotatedIdentityTokens?: Map<string, string>;
  /** The last identity-token exchange with the token server, which the next one waits for. */
  identityTokenExchange?: Promise<void>;
}

/** The `Authorization` a request carried, and where it came from. */
export interface Authorization {
  header?: string;
  source: 'none' | 'basic' | 'registry-token' | 'cached-token' | 'new-token';
  /** The bearer token, so a rejected one can be dropped from the cache. */
  token?: string;
  /** False when no credential is stored for the registry, so a 401 means a login is needed. Undefined when none was looked up. */
  credentialStored?: boolean;
}

/** The request an `Authorization` is for. */
export interface AuthorizationRequest {
  method: string;
  /** Returns the redacted URL, named in errors; built only when one is thrown. */
  redactedUrl(): string;
  scopes: readonly string[];
  /** The repository whose credential applies, for keys with a repository prefix. */
  repository?: string;
}

/** Dependencies of the authenticator on the transport. */
export interface AuthenticatorOptions {
  credentials: CredentialStore;
  /** Hosts (`host` or `host:port`) other than the registry's own that may receive its credentials as token realms. */
  trustedRealmHosts: readonly string[];
  /** True when plain HTTP to `url` is allowed: a loopback host or a host marked insecure. */
  allowsPlainHttp(url: URL): boolean;
  sendTokenRequest: SendTokenRequest;
  now?: () => number;
}

/**
 * Produces the `Authorization` of each request from the registry's
 * challenge: none, Basic from the credential, or a bearer token from the
 * challenge's realm (Docker token specification, distribution/distribution
 * v2.8.2, docs/spec/auth/token.md). Tokens are cached by scope set.
 */
export class Authenticator {
  readonly #options: AuthenticatorOptions;
  readonly #tokens: TokenCache;

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
    this.#tokens = new TokenCache(options.now);
  }

  /**
   * Returns the `Authorization` for a request that needs `scopes`, fetching a
   * token when the registry uses bearer auth and no cached one covers them.
   *
   * @throws AuthenticationError when the registry requires Basic auth and no
   * username and password are stored, or when the token server rejects the request.
   * @throws BlockedHostError or InsecureSchemeError when the realm may not be contacted.
   */
  async authorize(state: RegistryAuthState, request: AuthorizationRequest, redactor: SecretRedactor): Promise<Authorization> {
    const challenge = state.challenge;
    if (challenge === undefined || challenge.scheme === 'anonymous') {
      return { source: 'none' };
    }

    const { scopes } = request;
    const credential = withRotatedIdentityToken(state, await this.#credential(state, request.repository));
    if (challenge.scheme === 'basic') {
      if (credential?.password === undefined) {
        throw missingCredentials(state, request, credential);
      }
      redactor.addBasic(credential.username, credential.password);
      const encoded = Buffer.from(`${credential.username ?? ''}:${credential.password}`).toString('base64');
      return { header: `Basic ${encoded}`, source: 'basic' };
    }

    if (credential?.registryToken) {
      redactor.add(credential.registryToken);
      return { header: `Bearer ${credential.registryToken}`, source: 'registry-token', token: credential.registryToken };
    }

    checkRealm(state, challenge.realm, this.#options.allowsPlainHttp);
    const trusted = isRealmTrusted(state, challenge.realm, this.#options.trustedRealmHosts);
    const partition = `${state.registry} ${challenge.realm.toString()} ${challenge.service ?? ''}`;
    const fetchToken = async () => {
      // Read again here: an exchange queued behind another may find its identity token rotated.
      const current = withRotatedIdentityToken(state, credential);
      const issued = await requestToken(
        {
          registry: state.registry,
          realm: challenge.realm,
          service: challenge.service,
          scopes: normalizeScopes(scopes),
          credential: trusted ? current : undefined,
          credentialStored: credential !== undefined,
        },
        this.#options.sendTokenRequest,
        redactor,
      );
      if (trusted && issued.refreshToken !== undefined && current?.identityToken !== undefined) {
        (state.rotatedIdentityTokens ??= new Map()).set(current.identityToken, issued.refreshToken);
      }
      return issued;
    };
    const { entry, fetched } = await this.#tokens.obtain(partition, scopes, () =>
      trusted && credential?.identityToken !== undefined ? oneAtATime(state, fetchToken) : fetchToken(),
    );

    redactor.add(entry.token);
    return {
      header: `Bearer ${entry.token}`,
      source: fetched ? 'new-token' : 'cached-token',
      token: entry.token,
      credentialStored: credential !== undefined,
    };
  }

  /**
   * Learns from a 401 of the registry. Returns whether sending the request
   * again with a new `Authorization` may succeed, and the scopes to ask for
   * then (the request's, plus those the challenge names). A request that
   * carried a cached token is retried once with a fresh token. A request that
   * carried a fresh token, a username and password, or a registry token is
   * not retried.
   *
   * @throws InvalidChallengeError when the `WWW-Authenticate` header is malformed or a bearer challenge has no valid realm.
   */
  handleUnauthorized(
    state: RegistryAuthState,
    header: string | string[] | undefined,
    sent: Authorization,
    scopes: readonly string[],
  ): { retry: boolean; scopes: string[] } {
    let values: string[] = [];
    if (Array.isArray(header)) {
      values = header;
    } else if (header !== undefined) {
      values = [header];
    }
    const challenges = values.flatMap((value) => parseWwwAuthenticate(value));
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
    const chosen = bearer ?? challenges.find((challenge) => challenge.scheme === 'basic');
    if (chosen === undefined) {
      return { retry: false, scopes: [...scopes] };
    }

    const learned = toRegistryChallenge(chosen, values.join(', '));
    const merged = normalizeScopes([...scopes, ...splitScopeParameter(chosen.params.scope)]);
    const changed = !sameChallenge(state.challenge, learned);
    // A challenge that names a scope the token lacked (`registry:catalog:*` for a catalog request)
    // is worth one more try with a token for it.
    const widened = merged.join(' ') !== normalizeScopes(scopes).join(' ');
    state.challenge = learned;

    if (changed || widened) {
      return { retry: true, scopes: merged };
    }
    if (sent.source === 'cached-token' && sent.token !== undefined && learned.scheme === 'bearer') {
      this.#tokens.drop(`${state.registry} ${learned.realm.toString()} ${learned.service ?? ''}`, sent.token);
      return { retry: true, scopes: merged };
    }
    return { retry: sent.source === 'none', scopes: merged };
  }

  #credential(state: RegistryAuthState, repository: string | undefined): Promise<Credential | undefined> {
    const key = repository ?? '';
    let lookup = state.credentials.get(key);
    if (lookup === undefined) {
      lookup = this.#options.credentials.get(state.registry, repository);
      // A failed lookup (a helper that timed out) is tried again by the next request.
      lookup.catch(() => state.credentials.delete(key));
      state.credentials.set(key, lookup);
    }
    return lookup;
  }
}

/**
 * Runs `exchange` after every identity-token exchange of the registry that
 * started before it. A token server that rotates refresh tokens rejects the
 * old one once it has issued a new one, so two exchanges sent at once with
 * the same identity token would leave one of them rejected.
 */
function oneAtATime<T>(state: RegistryAuthState, exchange: () => Promise<T>): Promise<T> {
  const previous = state.identityTokenExchange ?? Promise.resolve();
  const next = previous.then(exchange, exchange);
  state.identityTokenExchange = next.then(
    () => undefined,
    () => undefined,
  );
  return next;
}

/** Returns `credential` with its identity token replaced by the newest refresh token a token server issued for it. */
function withRotatedIdentityToken(state: RegistryAuthState, credential: Credential | undefined): Credential | undefined {
  let identityToken = credential?.identityToken;
  const rotations = state.rotatedIdentityTokens;
  if (credential === undefined || identityToken === undefined || rotations === undefined) {
    return credential;
  }
  // Each rotation is followed once at most, so a server that hands back an older token cannot loop this.
  for (let step = 0; step < rotations.size && rotations.has(identityToken); step += 1) {
    identityToken = rotations.get(identityToken) as string;
  }
  return identityToken === credential.identityToken ? credential : { ...credential, identityToken };
}

function toRegistryChallenge(challenge: Challenge, header: string): RegistryChallenge {
  if (challenge.scheme === 'basic') {
    return { scheme: 'basic' };
  }

  const realm = challenge.params.realm;
  if (realm === undefined || realm === '') {
    throw new InvalidChallengeError(header, 'the bearer challenge has no realm');
  }
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new InvalidChallengeError(header, `the realm "${realm}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidChallengeError(header, `the realm "${realm}" is not an http or https URL`);
  }

  return { scheme: 'bearer', realm: url, service: challenge.params.service };
}

function sameChallenge(known: RegistryChallenge | undefined, learned: RegistryChallenge): boolean {
  if (known === undefined || known.scheme !== learned.scheme) {
    return false;
  }
  if (known.scheme === 'bearer' && learned.scheme === 'bearer') {
    return known.realm.toString() === learned.realm.toString() && known.service === learned.service;
  }
  return true;
}

function missingCredentials(
  state: RegistryAuthState,
  request: AuthorizationRequest,
  credential: Credential | undefined,
): AuthenticationError {
  const url = request.redactedUrl();
  const target = { method: request.method, url, status: 401 };
  if (credential === undefined) {
    return credentialsMissingError({ ...target, registry: state.registry });
  }
  return new AuthenticationError({
    ...target,
    code: 'CREDENTIALS_MISSING',
    message:
      `${request.method} ${url} needs Basic auth, but the credential stored for ${state.registry} has no username and password; ` +
      `log in with "docker login ${state.registry}" or pass --username with --password-stdin`,
  });
}
