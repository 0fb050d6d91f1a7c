import { AuthenticationError } from '../errors.js';
import type { RegistryErrorInit } from '../errors.js';
import { redactUrl } from '../redact.js';
import type { SecretRedactor } from '../redact.js';
import type { RegistryResponse } from '../transport-types.js';
import { attachRedactor, errorFromResponse, isRetryableStatus, readCapped } from '../transport/response-error.js';
import { MAX_TOKEN_RESPONSE_BYTES } from '../wire.js';
import type { Credential } from './credentials.js';
import type { IssuedToken } from './token-cache.js';

/** Token lifetime when the reply has no `expires_in`, as the Docker token specification sets it. */
const DEFAULT_TOKEN_LIFETIME_MS = 60_000;

/** `client_id` sent with OAuth2 requests; token servers use it only to tell clients apart in logs. */
const OAUTH_CLIENT_ID = 'tagkeeper';

/** One request to a token server, as the transport sends it (guards, retries and debug output included). */
export interface TokenExchange {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Description of the request for its debug line: anonymous, with username and password, or OAuth2. */
  note: string;
}

/** Sends a token request and returns the token server's response. */
export type SendTokenRequest = (exchange: TokenExchange) => Promise<RegistryResponse>;

/** Parameters of one token request. */
export interface TokenRequest {
  /** The registry the token is for, named in errors. */
  registry: string;
  realm: URL;
  service?: string;
  scopes: readonly string[];
  /** The credential to present, or undefined for an anonymous token. */
  credential?: Credential;
  /** True when a credential is stored for the registry, even one not presented because the realm is on another host. */
  credentialStored?: boolean;
}

/**
 * Requests a bearer token as the Docker token specification
 * (distribution/distribution v2.8.2, docs/spec/auth/token.md and oauth.md)
 * describes. With an identity token, the request is the OAuth2 form POST
 * `grant_type=refresh_token`. Otherwise it is a GET with one `scope`
 * parameter per scope, and with the username and password as Basic auth
 * when the credential has them. Secrets sent and received are added to
 * `redactor`.
 *
 * @throws AuthenticationError (`TOKEN_REQUEST_FAILED`) when the token server
 * returns anything but 200, and (`TOKEN_RESPONSE_INVALID`) when its
 * reply has no token.
 */
export async function requestToken(
  request: TokenRequest,
  send: SendTokenRequest,
  redactor: SecretRedactor,
): Promise<IssuedToken> {
  const exchange = request.credential?.identityToken
    ? oauthExchange(request, request.credential.identityToken)
    : basicExchange(request);
  redactor.add(request.credential?.identityToken);
  if (request.credential?.password !== undefined) {
    redactor.addBasic(request.credential.username, request.credential.password);
  }

  const response = await send(exchange);
  attachRedactor(response, redactor);
  if (response.status !== 200) {
    throw await tokenRequestError(request, response, exchange);
  }

  const text = await readCapped(response.body, MAX_TOKEN_RESPONSE_BYTES + 1);
  const issued = parseTokenReply(text, exchange, request.registry);
  redactor.add(issued.token);
  redactor.add(issued.refreshToken);
  return issued;
}

function basicExchange(request: TokenRequest): TokenExchange {
  const url = new URL(request.realm);
  if (request.service !== undefined) {
    url.searchParams.set('service', request.service);
  }
  for (const scope of request.scopes) {
    url.searchParams.append('scope', scope);
  }

  const headers: Record<string, string> = { accept: 'application/json' };
  const { username, password } = request.credential ?? {};
  if (password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${username ?? ''}:${password}`).toString('base64')}`;
  }
  const note = `token request for ${request.registry}, ${password === undefined ? 'anonymous' : 'with username and password'}`;
  return { method: 'GET', url, headers, note };
}

function oauthExchange(request: TokenRequest, identityToken: string): TokenExchange {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: identityToken, client_id: OAUTH_CLIENT_ID });
  if (request.service !== undefined) {
    form.set('service', request.service);
  }
  if (request.scopes.length > 0) {
    // OAuth2 joins scopes with spaces (RFC 6749, section 3.3).
    form.set('scope', request.scopes.join(' '));
  }

  return {
    method: 'POST',
    url: new URL(request.realm),
    headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    note: `OAuth2 token request for ${request.registry} with an identity token`,
  };
}

function parseTokenReply(text: string, exchange: TokenExchange, registry: string): IssuedToken {
  const invalid = (reason: string): AuthenticationError =>
    new AuthenticationError({
      method: exchange.method,
      url: redactUrl(exchange.url.toString()),
      status: 200,
      code: 'TOKEN_RESPONSE_INVALID',
      message: `${exchange.method} ${redactUrl(exchange.url.toString())} returned no usable token for ${registry}: ${reason}`,
    });

  if (text.length > MAX_TOKEN_RESPONSE_BYTES) {
    throw invalid(`the reply is larger than ${MAX_TOKEN_RESPONSE_BYTES} bytes`);
  }

  let reply: { token?: unknown; access_token?: unknown; expires_in?: unknown; refresh_token?: unknown };
  try {
    reply = JSON.parse(text) as typeof reply;
  } catch {
    throw invalid('the reply is not JSON');
  }

  // The Docker specification names the field `token`; OAuth2 servers name it `access_token`.
  const token = typeof reply?.token === 'string' && reply.token !== '' ? reply.token : reply?.access_token;
  if (typeof token !== 'string' || token === '') {
    throw invalid('the reply has neither "token" nor "access_token"');
  }

  const expiresIn = reply.expires_in;
  const lifetimeMs =
    typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : DEFAULT_TOKEN_LIFETIME_MS;
  // An OAuth2 server may rotate the refresh token with each use (RFC 6749, section 6), so the new one
  // replaces the identity token for the next request. It is kept in memory only, not in credential files.
  const refreshToken =
    exchange.method === 'POST' && typeof reply.refresh_token === 'string' && reply.refresh_token !== '' ? reply.refresh_token : undefined;
  return { token, lifetimeMs, ...(refreshToken === undefined ? {} : { refreshToken }) };
}

async function tokenRequestError(request: TokenRequest, response: RegistryResponse, exchange: TokenExchange): Promise<AuthenticationError> {
  const parsed = await errorFromResponse(response);
  const identity = describeIdentity(request.credential);
  const first = parsed.errors[0];
  const detail = first ? `${first.code}${first.message ? `: ${first.message}` : ''}` : parsed.rawBody?.trim().slice(0, 200);
  // OAuth2 token services commonly reject a bad or spent refresh token with 400 `invalid_grant`, which only a new login fixes.
  const rejectedLogin = response.status === 401 || response.status === 403 || (response.status === 400 && exchange.method === 'POST');
  const action = rejectedLogin ? describeLoginAction(request) : 'the token server failed; try again later';

  const init: RegistryErrorInit & { code: string; message: string } = {
    method: exchange.method,
    url: parsed.url,
    status: response.status,
    errors: parsed.errors,
    rawBody: parsed.rawBody,
    retryable: isRetryableStatus(response.status, exchange.method),
    code: 'TOKEN_REQUEST_FAILED',
    message: `token request ${exchange.method} ${parsed.url} for ${request.registry} with ${identity} returned HTTP ${response.status}${detail ? ` (${detail})` : ''}; ${action}`,
  };
  return new AuthenticationError(init);
}

function describeLoginAction(request: TokenRequest): string {
  if (request.credential?.identityToken) {
    return `the identity token stored for ${request.registry} was rejected; log in again with "docker login ${request.registry}"`;
  }
  if (request.credential !== undefined) {
    return `check the credentials for ${request.registry}`;
  }
  if (request.credentialStored) {
    return `the credentials stored for ${request.registry} were not sent to ${request.realm.host}, which is not the registry's host; list ${request.realm.host} in trustedRealmHosts if it belongs to the registry`;
  }
  return `no credentials are stored for ${request.registry}; log in with "docker login ${request.registry}" or pass --username with --password-stdin`;
}

function describeIdentity(credential: Credential | undefined): string {
  if (credential?.identityToken) {
    return 'an identity token';
  }
  if (credential?.password !== undefined) {
    return credential.username ? `the credentials of user "${credential.username}"` : 'a password';
  }
  return 'no credentials';
}
