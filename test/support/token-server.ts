/**
 * A token server for the test registry's token auth: the realm of the
 * registry's `Bearer` challenge. It follows the Docker Registry token
 * specification (distribution docs/spec/auth/token.md and oauth.md):
 * `GET /token?service=&scope=` with optional Basic credentials, and
 * `POST /token` with an OAuth 2 password or refresh-token grant.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { createSigningCertificate } from './certificates.js';
import { InvalidRegistryOptionsError, InvalidTokenRequestError, ServerStartError } from './errors.js';
import { checkUsers, type RegistryUser } from './htpasswd.js';
import { createJwtSigner, signJwt, type JwtSigner } from './jwt.js';
import { authenticate } from './token-identity.js';
import { readForm, readQuery, type TokenRequest } from './token-request.js';
import { errorBody, sendJson } from './token-responses.js';
import { defaultAcl, grantAccess, type ResourceAccess, type TokenAcl } from './token-grants.js';
import { parseScopes } from './token-scope.js';
import { makeTempDir, removeDir } from './temp.js';

export type { TokenAcl, ResourceAccess } from './token-grants.js';

/** Settings of a token server. */
export interface TokenServerOptions {
  users: RegistryUser[];
  /** The registry's name, sent as `service` and signed as the audience. Default 'tagkeeper-test-registry'. */
  service?: string;
  /** The `iss` claim. Default 'tagkeeper-test-token-issuer'. */
  issuer?: string;
  /** Grant pull to requests without credentials, under the default ACL. Default false. */
  allowAnonymousPull?: boolean;
  /**
   * Which requested actions on a repository to grant. It replaces the default
   * ACL (users get pull, push and delete, anonymous requests see
   * `allowAnonymousPull`), so it decides anonymous requests too.
   */
  acl?: TokenAcl;
  /** Signature algorithm. Default 'ES256'. */
  algorithm?: 'ES256' | 'RS256';
  /** Lifetime of a token in seconds. Default 300. The Docker token specification advises at least 60. */
  expiresInSeconds?: number;
}

/** A token issued by the server, as recorded for assertions. */
export interface IssuedToken {
  /** The signed-in user, or undefined for an anonymous request. */
  username: string | undefined;
  /** The requested scopes, as sent. */
  scopes: string[];
  /** The granted access, as signed into the token. */
  access: ResourceAccess[];
}

/** A running token server. */
export interface TokenServer {
  /** 'http://127.0.0.1:PORT/token'. */
  realm: string;
  service: string;
  issuer: string;
  /** The certificate bundle the registry trusts (`auth.token.rootcertbundle`). */
  rootCertFile: string;
  /** Number of token requests received, failed ones included. */
  readonly requests: number;
  /** Tokens issued so far, oldest first. */
  readonly issued: readonly IssuedToken[];
  /** Closes the server and removes its temp folder. Calling it twice is safe. */
  stop(): Promise<void>;
}

/**
 * Starts a token server on a free port of 127.0.0.1 with a fresh signing key
 * whose self-signed certificate is in `rootCertFile`.
 *
 * @throws InvalidRegistryOptionsError for invalid users or token lifetime,
 *   or `allowAnonymousPull` given together with `acl`.
 */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  checkUsers(options.users);
  if (options.acl !== undefined && options.allowAnonymousPull !== undefined) {
    throw new InvalidRegistryOptionsError(
      'allowAnonymousPull applies to the default ACL only: leave it out and grant anonymous requests (user undefined) in acl',
    );
  }
  const expiresInSeconds = options.expiresInSeconds ?? 300;
  if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds < 1) {
    throw new InvalidRegistryOptionsError(`expiresInSeconds ${expiresInSeconds} is invalid: give a whole number of seconds, 1 or more`);
  }

  const dir = await makeTempDir('token-server');
  try {
    const algorithm = options.algorithm ?? 'ES256';
    const certificate = await createSigningCertificate(dir, algorithm);
    const rootCertFile = path.join(dir, 'root-certs.pem');
    await writeFile(rootCertFile, certificate.certPem);

    const state: TokenServerState = {
      service: options.service ?? 'tagkeeper-test-registry',
      issuer: options.issuer ?? 'tagkeeper-test-token-issuer',
      users: options.users.map((user) => ({ ...user })),
      acl: options.acl ?? defaultAcl(options.allowAnonymousPull ?? false),
      expiresInSeconds,
      signer: createJwtSigner(algorithm, certificate.keyPem, certificate.certDer),
      refreshTokens: new Map(),
      requests: 0,
      issued: [],
    };

    const server = createServer((request, response) => {
      handleRequest(state, request, response).catch((error: unknown) => {
        const message = `token request ${request.method ?? ''} ${request.url ?? ''} failed: ${(error as Error).message}`;
        process.stderr.write(`tagkeeper test token server: ${message}\n`);
        sendJson(response, 500, errorBody('UNKNOWN', message));
      });
    });
    const port = await listen(server);

    let stopping: Promise<void> | undefined;
    return {
      realm: `http://127.0.0.1:${port}/token`,
      service: state.service,
      issuer: state.issuer,
      rootCertFile,
      get requests() {
        return state.requests;
      },
      get issued() {
        return state.issued;
      },
      stop() {
        stopping ??= (async () => {
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          // close() waits for open keep-alive connections, which clients such as skopeo leave behind.
          server.closeAllConnections();
          await closed;
          await removeDir(dir);
        })();
        return stopping;
      },
    };
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
}

interface TokenServerState {
  service: string;
  issuer: string;
  users: RegistryUser[];
  acl: TokenAcl;
  expiresInSeconds: number;
  signer: JwtSigner;
  /** Refresh tokens handed out with `offline_token=true` or `access_type=offline`, to their user. */
  refreshTokens: Map<string, string>;
  requests: number;
  issued: IssuedToken[];
}

async function handleRequest(state: TokenServerState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== '/token') {
    sendJson(response, 404, errorBody('NOT_FOUND', `no such endpoint ${url.pathname}: request /token`));
    return;
  }
  if (request.method !== 'GET' && request.method !== 'POST') {
    response.setHeader('allow', 'GET, POST');
    sendJson(response, 405, errorBody('UNSUPPORTED', `method ${request.method ?? ''} is not allowed on /token: use GET or POST`));
    return;
  }

  state.requests += 1;
  let tokenRequest: TokenRequest;
  try {
    tokenRequest = request.method === 'GET' ? readQuery(url, request) : await readForm(request);
  } catch (error) {
    if (!(error instanceof InvalidTokenRequestError)) throw error;
    sendJson(response, 400, errorBody('INVALID_REQUEST', error.message));
    return;
  }

  if (tokenRequest.service !== null && tokenRequest.service !== state.service) {
    sendJson(response, 400, errorBody('INVALID_REQUEST', `service "${tokenRequest.service}" is unknown: this server issues tokens for "${state.service}"`));
    return;
  }

  const identity = authenticate(state.users, state.refreshTokens, tokenRequest);
  if (identity.status === 'rejected') {
    response.setHeader('www-authenticate', `Basic realm="${state.service}"`);
    sendJson(response, 401, errorBody('UNAUTHORIZED', 'authentication failed: wrong username, password or refresh token'));
    return;
  }

  const username = identity.status === 'user' ? identity.username : undefined;
  let access: ResourceAccess[];
  try {
    access = grantAccess(username, parseScopes(tokenRequest.scopes), state.acl);
  } catch (error) {
    if (!(error instanceof InvalidTokenRequestError)) throw error;
    sendJson(response, 400, errorBody('INVALID_REQUEST', error.message));
    return;
  }

  sendJson(response, 200, issueToken(state, username, tokenRequest, access));
}

function issueToken(state: TokenServerState, username: string | undefined, tokenRequest: TokenRequest, access: ResourceAccess[]): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const token = signJwt(
    {
      iss: state.issuer,
      sub: username ?? '',
      aud: state.service,
      exp: now + state.expiresInSeconds,
      nbf: now,
      iat: now,
      jti: randomBytes(16).toString('hex'),
      access,
    },
    state.signer,
  );
  state.issued.push({ username, scopes: [...tokenRequest.scopes], access });

  const body: Record<string, unknown> = {
    token,
    access_token: token,
    expires_in: state.expiresInSeconds,
    issued_at: new Date(now * 1000).toISOString(),
    // The OAuth 2 flow requires the granted scope in the response (distribution docs/spec/auth/oauth.md).
    scope: access.map((entry) => `${entry.type}:${entry.name}:${entry.actions.join(',')}`).join(' '),
  };
  if (tokenRequest.grantType === 'refresh_token') {
    // A refresh grant returns the refresh token it was given, never a new one.
    body.refresh_token = tokenRequest.refreshToken;
  } else if (username !== undefined && tokenRequest.wantsRefreshToken) {
    const refreshToken = randomBytes(24).toString('base64url');
    state.refreshTokens.set(refreshToken, username);
    body.refresh_token = refreshToken;
  }
  return body;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new ServerStartError(`token server could not listen on 127.0.0.1: ${error.message}`, { cause: error })));
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve((server.address() as AddressInfo).port));
  });
}
