/**
 * Reads the fields of a token request: the query string of `GET /token`
 * (distribution docs/spec/auth/token.md) or the form body of `POST /token`
 * (docs/spec/auth/oauth.md).
 */
import type { IncomingMessage } from 'node:http';

import { InvalidTokenRequestError } from './errors.js';

/** Largest form body of a `POST /token` read, in bytes. */
const MAX_FORM_BYTES = 64 * 1024;

/** The fields a token request carries, from the query string or the form body. */
export interface TokenRequest {
  service: string | null;
  scopes: string[];
  /** 'password', 'refresh_token', or null for the GET flow. */
  grantType: string | null;
  username?: string;
  password?: string;
  refreshToken?: string;
  wantsRefreshToken: boolean;
  basicAuthorization?: string;
}

/** Reads a `GET /token` request: `service`, every `scope`, `offline_token` and the Authorization header. */
export function readQuery(url: URL, request: IncomingMessage): TokenRequest {
  const authorization = request.headers.authorization;
  return {
    service: url.searchParams.get('service'),
    scopes: url.searchParams.getAll('scope'),
    grantType: null,
    wantsRefreshToken: url.searchParams.get('offline_token') === 'true',
    ...(authorization === undefined ? {} : { basicAuthorization: authorization }),
  };
}

/**
 * Reads the form body of a `POST /token` request, at most 64 KiB.
 *
 * @throws InvalidTokenRequestError for a larger body or a grant type other
 *   than `password` or `refresh_token`.
 */
export async function readForm(request: IncomingMessage): Promise<TokenRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new InvalidTokenRequestError(`form body is larger than ${MAX_FORM_BYTES} bytes: send only the OAuth 2 token request fields`);
    chunks.push(chunk as Buffer);
  }

  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  const grantType = form.get('grant_type');
  if (grantType !== 'password' && grantType !== 'refresh_token') {
    throw new InvalidTokenRequestError(`grant_type "${grantType ?? ''}" is not supported: use password or refresh_token`);
  }
  return {
    service: form.get('service'),
    scopes: form.getAll('scope'),
    grantType,
    wantsRefreshToken: form.get('access_type') === 'offline',
    ...optionalField('username', form.get('username')),
    ...optionalField('password', form.get('password')),
    ...optionalField('refreshToken', form.get('refresh_token')),
  };
}

function optionalField<K extends string>(key: K, value: string | null): Partial<Record<K, string>> {
  return value === null ? {} : ({ [key]: value } as Record<K, string>);
}

/** Decodes a `Basic` Authorization header, or returns undefined when it is not one. */
export function parseBasic(authorization: string): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
  if (match === null) return undefined;

  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

