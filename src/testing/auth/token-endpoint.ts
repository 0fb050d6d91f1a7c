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
}

/**
 * Serves `/token`. `GET` follows Docker's token specification: `service` and
 * `scope` in the query, optional `Basic` credentials. `POST` follows its OAuth2
 * form (`grant_type=password` with `username` and `password`); refresh tokens
 * are not issued. Without credentials the token is anonymous. Wrong
 * credentials get 401; scopes the caller may not have are left out of the
 * token rather than rejected, as Distribution's token servers do.
 */
export async function handleTokenRequest(exchange: Exchange, settings: TokenEndpointSettings): Promise<void> {
  if (exchange.method !== 'GET' && exchange.method !== 'POST') {
    throw registryError(405, RegistryErrorCode.unsupported, `${exchange.method} is not supported on /token; use GET or POST`);
  }

  const form = exchange.method === 'POST' ? await readForm(exchange) : exchange.query;
  const credentials = exchange.method === 'POST' ? formCredentials(form) : basicCredentials(exchange);

  const service = form.get('service');
  if (service !== null && service !== settings.service) {
    throw registryError(400, RegistryErrorCode.unsupported, `unknown service "${service}"; this registry is "${settings.service}"`);
  }

  if (credentials && !verifyCredentials(settings.auth.users, credentials)) {
    throw registryError(401, RegistryErrorCode.unauthorized, 'invalid username or password', undefined, {
      [Header.wwwAuthenticate]: `Basic realm="${BASIC_REALM}"`,
    });
  }

  const user = credentials?.username;
  const access = parseScopes(form.getAll('scope'))
    .map((requested) => grant(settings.auth, user, requested))
    .filter((entry): entry is Access => entry !== undefined);
  const lifetime = settings.auth.expiresInSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  const { token, claims } = settings.issuer.issue(user, access, lifetime);

  const issuedAt = new Date(claims.iat * 1000).toISOString();
  const body: Record<string, unknown> = { token, access_token: token, expires_in: lifetime, issued_at: issuedAt };
  if (exchange.method === 'POST') {
    body.scope = access.map(formatScope).join(' ');
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

function basicCredentials(exchange: Exchange): Credentials | undefined {
  const header = exchange.req.headers[Header.authorization];
  if (header === undefined) {
    return undefined;
  }
  const credentials = parseBasicAuthorization(header);
  if (!credentials) {
    throw registryError(400, RegistryErrorCode.unauthorized, 'the Authorization header of a token request must be Basic credentials');
  }
  return credentials;
}

function formCredentials(form: URLSearchParams): Credentials | undefined {
  const grantType = form.get('grant_type');
  // TODO: grant_type=refresh_token (and access_type=offline on the password grant) are not supported, so a client that keeps refresh tokens gets 400 here.
  if (grantType !== 'password') {
    throw registryError(400, RegistryErrorCode.unsupported, `unsupported grant_type "${grantType ?? ''}"; use password`);
  }
  const username = form.get('username');
  const password = form.get('password');
  return username ? { username, password: password ?? '' } : undefined;
}

async function readForm(exchange: Exchange): Promise<URLSearchParams> {
  const body = await readBody(exchange.req, MAX_FORM_BYTES);
  if (body.exceeded) {
    throw registryError(413, RegistryErrorCode.sizeInvalid, `token request form is larger than ${MAX_FORM_BYTES} bytes`);
  }
  return new URLSearchParams(Buffer.concat(body.chunks).toString('utf8'));
}
