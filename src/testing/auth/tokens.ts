import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Access } from './scope.js';

/** Issuer of the tokens, the `iss` claim. */
export const TOKEN_ISSUER = 'tagkeeper-memory-registry';

/** Claims of a token, named as in Distribution's token specification (docs/spec/auth/jwt.md of distribution 2.8). */
export interface TokenClaims {
  iss: string;
  /** The user name, empty for an anonymous token. */
  sub: string;
  /** The service the token is for. */
  aud: string;
  /** Expiry, in seconds since the epoch. */
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: Access[];
}

const TokenClaimsSchema = z.object({
  iss: z.string(),
  sub: z.string(),
  aud: z.string(),
  exp: z.number(),
  nbf: z.number(),
  iat: z.number(),
  jti: z.string(),
  access: z.array(z.object({ type: z.string(), name: z.string(), actions: z.array(z.string()) })),
});

/** Reason for rejecting a token. */
export type TokenRejection = 'malformed' | 'signature' | 'expired' | 'audience';

/** Leeway for `nbf`, in seconds, so a token used in the second it was issued is valid. */
const CLOCK_SKEW_SECONDS = 1;

/**
 * Issues and verifies the registry's bearer tokens. They are signed with
 * HMAC-SHA256 and a key generated for each server, so a token from one test
 * registry is invalid at every other.
 *
 * `jwt` tokens are compact JSON web tokens (`alg: HS256`). `opaque` tokens are
 * the claims and the signature in base64url joined by one dot: a client
 * cannot parse them as a JWT and must treat them as opaque strings.
 */
export class TokenIssuer {
  private readonly key = randomBytes(32);

  constructor(
    private readonly format: 'jwt' | 'opaque',
    private readonly service: string,
    private readonly clock: () => number,
  ) {}

  /** Returns a signed token for `user` with `access`, valid for `lifetimeSeconds`. */
  issue(user: string | undefined, access: Access[], lifetimeSeconds: number): { token: string; claims: TokenClaims } {
    const now = Math.floor(this.clock() / 1000);
    const claims: TokenClaims = {
      iss: TOKEN_ISSUER,
      sub: user ?? '',
      aud: this.service,
      exp: now + lifetimeSeconds,
      nbf: now,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const payload = encode(claims);
    const signed = this.format === 'jwt' ? `${encode({ alg: 'HS256', typ: 'JWT' })}.${payload}` : payload;
    return { token: `${signed}.${this.sign(signed)}`, claims };
  }

  /** Returns the claims of a token this issuer signed, or why it is rejected. */
  verify(token: string): { claims: TokenClaims } | { rejection: TokenRejection } {
    const parts = token.split('.');
    const expectedParts = this.format === 'jwt' ? 3 : 2;
    if (parts.length !== expectedParts) {
      return { rejection: 'malformed' };
    }
    const signature = parts.pop() ?? '';
    const signed = parts.join('.');
    const expected = Buffer.from(this.sign(signed));
    const actual = Buffer.from(signature);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      return { rejection: 'signature' };
    }

    const parsed = TokenClaimsSchema.safeParse(decode(parts[parts.length - 1] ?? ''));
    if (!parsed.success) {
      return { rejection: 'malformed' };
    }
    const claims = parsed.data;
    const now = this.clock() / 1000;
    if (claims.exp <= now || claims.nbf > now + CLOCK_SKEW_SECONDS) {
      return { rejection: 'expired' };
    }
    if (claims.aud !== this.service || claims.iss !== TOKEN_ISSUER) {
      return { rejection: 'audience' };
    }
    return { claims };
  }

  private sign(value: string): string {
    return createHmac('sha256', this.key).update(value).digest('base64url');
  }
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode(value: string): unknown {
  try {
    return JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
