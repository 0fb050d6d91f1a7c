import { randomBytes } from 'node:crypto';

import { Header, RegistryErrorCode } from '../../registry/wire.js';
import { registryError } from '../errors.js';
import { readBody, sendJson, type Exchange } from '../http.js';
import type { RepositoryAction, TokenAuthOptions } from '../options.js';
import { parseBasicAuthorization, verifyCredentials, type Credentials } from './credentials.js';
import { BASIC_REALM } from './guard.js';
import { CATALOG_ACCESS, formatScope, parseScopes, type Access } from './scope.js';
import type { TokenIssuer } from './tokens.js';

/** Default token lifetime, the 300 seconds Docker's token specification assumes when `expires_in` is absent. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 300;

/** Largest form body of a POST token request. */
const MAX_FORM_BYTES = 64 * 1024;

const REPOSITORY_ACTIONS: readonly RepositoryAction[] = ['pull', 'push', 'delete'];

/** Settings of the token endpoint. */
export interface TokenEndpointSettings {
  auth: TokenAuthOptions;
  issuer: TokenIssuer;
  service: string;
  clock: () => number;
  /** Refresh tokens issued so far and still valid, with their user. */
  refreshTokens: Map<string, string>;
}

/** The user of a token request, and the refresh token it used, if any. */
interface Requester {
  user: string | undefined;
  /** The refresh token of a `grant_type=refresh_token` request. */
  refreshToken?: string;
  /** True for a password grant with `access_type=offline`, which requests a refresh token. */
  offline?: boolean;
}

/**
 * Serves `/token`. `GET` follows Docker's token specification: `service` and
 * `scope` in the query, optional `Basic` credentials. `POST` follows its OAuth2
 * form: `grant_type=password` with `username` and `password` (and
 * `access_type=offline` for a refresh token), or `grant_type=refresh_token`.
 * Without credentials the token is anonymous. Wrong credentials get 401, an
 * unknown refresh token 400; scopes the caller may not have are left out of
 * the token rather than rejected, as Distribution's token servers do.
 */
export async function handleTokenRequest(exchange: Exchange, settings: TokenEndpointSettings): Promise<void> {
  if (exchange.method !== 'GET' && exchange.method !== 'POST') {
    throw registryError(405, RegistryErrorCode.unsupported, `${exchange.method} is not supported on /token; use GET or POST`);
  }

  const form = exchange.method === 'POST' ? await readForm(exchange) : exchange.query;

  const service = form.get('service');
  if (service !== null && service !== settings.service) {
    throw registryError(400, RegistryErrorCode.unsupported, `unknown service "${service}"; this registry is "${settings.service}"`);
  }

  const requester = exchange.method === 'POST' ? formRequester(form, settings) : basicRequester(exchange, settings);
  const user = requester.user;
  const access = parseScopes(form.getAll('scope'))
    .map((requested) => grant(settings.auth, user, requested))
    .filter((entry): entry is Access => entry !== undefined);
  const lifetime = settings.auth.expiresInSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  const { token, claims } = settings.issuer.issue(user, access, lifetime);

  const issuedAt = new Date(claims.iat * 1000).toISOString();
  const body: Record<string, unknown> = { token, access_token: token, expires_in: lifetime, issued_at: issuedAt };
  if (exchange.method === 'POST') {
    body.scope = access.map(formatScope).join(' ');
    const refreshToken = nextRefreshToken(requester, settings);
    if (refreshToken !== undefined) {
      body.refresh_token = refreshToken;
    }
  }
  sendJson(exchange, 200, body);
}

/** Returns the part of `requested` that the token grants to `user`, or undefined when nothing. */
function grant(auth: TokenAuthOptions, user: string | undefined, requested: Access): Access | undefined {
  if (requested.type === CATALOG_ACCESS.type && requested.name === CATALOG_ACCESS.name) {
    return user === undefined ? undefined : CATALOG_ACCESS;
  }
  if (requested.type !== 'repository') {
    return undefined;
  }

  const wanted = requested.actions.includes('*')
    ? [...REPOSITORY_ACTIONS]
    : REPOSITORY_ACTIONS.filter((action) => requested.actions.includes(action));
  const allowed = auth.access
    ? auth.access(user, requested.name, wanted)
    : user !== undefined
      ? wanted
      : auth.allowAnonymousPull
        ? wanted.filter((action) => action === 'pull')
        : [];
  const actions = wanted.filter((action) => allowed.includes(action));
  return actions.length > 0 ? { type: 'repository', name: requested.name, actions } : undefined;
}

function basicRequester(exchange: Exchange, settings: TokenEndpointSettings): Requester {
  const header = exchange.req.headers[Header.authorization];
  if (header === undefined) {
    return { user: undefined };
  }
  const credentials = parseBasicAuthorization(header);
  if (!credentials) {
    throw registryError(400, RegistryErrorCode.unauthorized, 'the Authorization header of a token request must be Basic credentials');
  }
  return { user: verified(settings, credentials) };
}

function formRequester(form: URLSearchParams, settings: TokenEndpointSettings): Requester {
  const grantType = form.get('grant_type');
  if (grantType === 'refresh_token') {
    const refreshToken = form.get('refresh_token') ?? '';
    const user = settings.refreshTokens.get(refreshToken);
    if (user === undefined) {
      throw registryError(400, RegistryErrorCode.unauthorized, 'invalid or expired refresh_token; log in again with the password grant');
    }
    return { user, refreshToken };
  }
  if (grantType !== 'password') {
    throw registryError(400, RegistryErrorCode.unsupported, `unsupported grant_type "${grantType ?? ''}"; use password or refresh_token`);
  }
  const username = form.get('username');
  const password = form.get('password');
  const user = username ? verified(settings, { username, password: password ?? '' }) : undefined;
  return { user, offline: form.get('access_type') === 'offline' };
}

/** Returns the user of valid `credentials`, or throws the 401 of a wrong password. */
function verified(settings: TokenEndpointSettings, credentials: Credentials): string {
  if (!verifyCredentials(settings.auth.users, credentials)) {
    throw registryError(401, RegistryErrorCode.unauthorized, 'invalid username or password', undefined, {
      [Header.wwwAuthenticate]: `Basic realm="${BASIC_REALM}"`,
    });
  }
  return credentials.username;
}

/**
 * Returns the refresh token to send back: a new one for an offline password
 * grant, or for a refresh grant when tokens rotate (the old one is then
 * rejected). Returns undefined otherwise.
 */
function nextRefreshToken(requester: Requester, settings: TokenEndpointSettings): string | undefined {
  const user = requester.user;
  if (user === undefined) {
    return undefined;
  }
  if (requester.refreshToken !== undefined) {
    if (settings.auth.rotateRefreshTokens !== true) {
      return undefined;
    }
    settings.refreshTokens.delete(requester.refreshToken);
  } else if (requester.offline !== true) {
    return undefined;
  }
  const token = randomBytes(24).toString('base64url');
  settings.refreshTokens.set(token, user);
  return token;
}

async function readForm(exchange: Exchange): Promise<URLSearchParams> {
  const body = await readBody(exchange.req, MAX_FORM_BYTES);
  if (body.exceeded) {
    throw registryError(413, RegistryErrorCode.sizeInvalid, `token request form is larger than ${MAX_FORM_BYTES} bytes`);
  }
  return new URLSearchParams(Buffer.concat(body.chunks).toString('utf8'));
}
