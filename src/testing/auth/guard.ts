import type { IncomingMessage } from 'node:http';
import { Header, RegistryErrorCode } from '../../registry/wire.js';
import { registryError, type RegistryErrorResponse } from '../errors.js';
import type { Caller } from '../http.js';
import type { BasicAuthOptions, TokenAuthOptions } from '../options.js';
import type { Route } from '../routes.js';
import { parseBasicAuthorization, parseBearerAuthorization, verifyCredentials } from './credentials.js';
import { covers, formatScope, requiredAccess, type Access } from './scope.js';
import type { TokenIssuer } from './tokens.js';

/** Realm of the `Basic` challenge. */
export const BASIC_REALM = 'tagkeeper-memory-registry';

/** Establishes who sent a request to a registry endpoint, or throws the 401 or 403 response. */
export type Guard = (req: IncomingMessage, route: Route) => Caller;

const ANONYMOUS_WITH_FULL_ACCESS: Caller = { user: undefined, mayPull: () => true };

/** Returns the guard of a registry without authentication: every request is allowed. */
export function openGuard(): Guard {
  return () => ANONYMOUS_WITH_FULL_ACCESS;
}

/** Returns the guard for basic authentication: every request needs the credentials of a known user. */
export function basicGuard(auth: BasicAuthOptions): Guard {
  return (req) => {
    const credentials = parseBasicAuthorization(req.headers[Header.authorization]);
    if (!credentials || !verifyCredentials(auth.users, credentials)) {
      throw registryError(401, RegistryErrorCode.unauthorized, undefined, undefined, {
        [Header.wwwAuthenticate]: `Basic realm="${BASIC_REALM}"`,
      });
    }
    return { user: credentials.username, mayPull: () => true };
  };
}

/** Settings of the bearer token guard. */
export interface TokenGuardSettings {
  auth: TokenAuthOptions;
  issuer: TokenIssuer;
  service: string;
  /** URL of the token endpoint, the challenge's `realm`. */
  realm: string;
}

/**
 * Returns the guard for token authentication. A request needs a bearer token
 * from `/token` whose access covers the route; see {@link requiredAccess}.
 * Failures get the responses of CNCF Distribution 2.8: 401 with a `Bearer`
 * challenge that names the scope, plus `error="invalid_token"` or
 * `error="insufficient_scope"` when a token was sent.
 */
export function tokenGuard(settings: TokenGuardSettings): Guard {
  return (req, route) => {
    const needed = requiredAccess(route, req.method ?? 'GET');
    const token = parseBearerAuthorization(req.headers[Header.authorization]);
    if (token === undefined) {
      throw challenge(settings, needed);
    }

    const verified = settings.issuer.verify(token);
    if ('rejection' in verified) {
      throw challenge(settings, needed, 'invalid_token');
    }

    const granted = verified.claims.access;
    if (needed && !covers(granted, needed)) {
      if (settings.auth.insufficientScope === 'denied') {
        throw registryError(403, RegistryErrorCode.denied, `requested access to ${formatScope(needed)} is denied`);
      }
      throw challenge(settings, needed, 'insufficient_scope');
    }

    return {
      user: verified.claims.sub || undefined,
      mayPull: (repository) => covers(granted, { type: 'repository', name: repository, actions: ['pull'] }),
    };
  };
}

function challenge(settings: TokenGuardSettings, needed: Access | undefined, error?: string): RegistryErrorResponse {
  const parameters = [`realm="${settings.realm}"`, `service="${settings.service}"`];
  if (needed) {
    parameters.push(`scope="${formatScope(needed)}"`);
  }
  if (error) {
    parameters.push(`error="${error}"`);
  }
  const detail = needed?.actions.map((action) => ({ Type: needed.type, Name: needed.name, Action: action })) ?? null;
  return registryError(401, RegistryErrorCode.unauthorized, undefined, detail, {
    [Header.wwwAuthenticate]: `Bearer ${parameters.join(',')}`,
  });
}
