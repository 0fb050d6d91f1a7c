/**
 * Signs JSON Web Tokens (RFC 7519) in the compact form that Distribution 2.8
 * verifies: a header with `alg` and the signer's certificate chain in `x5c`,
 * base64url parts without padding, and an ES256 signature as the raw 64-byte
 * `r || s` pair (RFC 7518, section 3.4) rather than DER.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

/** A token signing key with the certificate chain that vouches for it. */
export interface JwtSigner {
  algorithm: 'ES256' | 'RS256';
  privateKey: KeyObject;
  /** DER certificates, the signer's own first. */
  certificateChain: Buffer[];
}

/** Creates a signer from a PEM private key and its DER certificate. */
export function createJwtSigner(algorithm: 'ES256' | 'RS256', keyPem: string, certDer: Buffer): JwtSigner {
  return { algorithm, privateKey: createPrivateKey(keyPem), certificateChain: [certDer] };
}

/** Signs `claims` and returns the compact token `header.claims.signature`. */
export function signJwt(claims: Record<string, unknown>, signer: JwtSigner): string {
  const header = {
    typ: 'JWT',
    alg: signer.algorithm,
    // x5c carries standard base64 DER (RFC 7515, section 4.1.6), not base64url.
    x5c: signer.certificateChain.map((der) => der.toString('base64')),
  };
  const signingInput = `${base64Url(JSON.stringify(header))}.${base64Url(JSON.stringify(claims))}`;

  const signature =
    signer.algorithm === 'ES256'
      ? sign('sha256', Buffer.from(signingInput), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(signingInput), signer.privateKey);
  return `${signingInput}.${base64Url(signature)}`;
}

/** Decodes the header and claims of a compact token without checking its signature. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header = '', claims = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}

function base64Url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}
