/**
 * Creates keys and X.509 certificates for the test registry with the
 * `openssl` CLI (tested with OpenSSL 3.0): a test CA, a server certificate it
 * signs, and the self-signed certificate of a token signing key. A private
 * config file keeps the system's openssl.cnf from adding extensions.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { findTool, runTool } from './tools.js';

/** Days until test certificates expire, far longer than a test run. */
const VALID_DAYS = '7';

const OPENSSL_CONFIG = `[req]
distinguished_name = subject
prompt = no

[subject]
CN = tagkeeper test

[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = @server_names

[server_names]
IP.1 = 127.0.0.1
IP.2 = ::1
DNS.1 = localhost

[signer]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
`;

/** A certificate and its private key on disk. */
export interface CertificateFiles {
  certFile: string;
  keyFile: string;
  /** The certificate as PEM. */
  certPem: string;
}

/** A self-signed certificate for signing tokens, with its key loaded. */
export interface SigningCertificate extends CertificateFiles {
  /** The private key as PEM (PKCS#8). */
  keyPem: string;
  /** The certificate as DER, for a JWT `x5c` header. */
  certDer: Buffer;
  algorithm: 'ES256' | 'RS256';
}

/** Creates a test CA (EC P-256) in `dir`: `ca.crt` and `ca.key`. */
export async function createTestCa(dir: string): Promise<CertificateFiles> {
  const config = await writeConfig(dir);
  const certFile = path.join(dir, 'ca.crt');
  const keyFile = path.join(dir, 'ca.key');

  await openssl([
    'req', '-x509', '-config', config, '-extensions', 'ca', '-subj', '/CN=tagkeeper test CA',
    ...EC_KEY, '-nodes', '-keyout', keyFile, '-out', certFile, '-days', VALID_DAYS,
  ]);
  return { certFile, keyFile, certPem: await readFile(certFile, 'utf8') };
}

/**
 * Creates a server key and a certificate signed by `ca` in `dir` (`server.crt`,
 * `server.key`), valid for 127.0.0.1, ::1 and localhost.
 */
export async function issueServerCertificate(ca: CertificateFiles, dir: string): Promise<CertificateFiles> {
  const config = await writeConfig(dir);
  const certFile = path.join(dir, 'server.crt');
  const keyFile = path.join(dir, 'server.key');
  const request = path.join(dir, 'server.csr');

  await openssl(['req', '-new', '-config', config, '-subj', '/CN=localhost', ...EC_KEY, '-nodes', '-keyout', keyFile, '-out', request]);
  await openssl([
    'x509', '-req', '-in', request, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', randomSerial(),
    '-days', VALID_DAYS, '-extfile', config, '-extensions', 'server', '-out', certFile,
  ]);
  return { certFile, keyFile, certPem: await readFile(certFile, 'utf8') };
}

/**
 * Creates a token signing key and its self-signed certificate in `dir`
 * (`signer.crt`, `signer.key`): EC P-256 for ES256, RSA 2048 for RS256.
 */
export async function createSigningCertificate(dir: string, algorithm: 'ES256' | 'RS256'): Promise<SigningCertificate> {
  const config = await writeConfig(dir);
  const certFile = path.join(dir, 'signer.crt');
  const keyFile = path.join(dir, 'signer.key');
  const key = algorithm === 'ES256' ? EC_KEY : ['-newkey', 'rsa:2048'];

  await openssl([
    'req', '-x509', '-config', config, '-extensions', 'signer', '-subj', '/CN=tagkeeper test token issuer',
    ...key, '-nodes', '-keyout', keyFile, '-out', certFile, '-days', VALID_DAYS,
  ]);
  const certPem = await readFile(certFile, 'utf8');
  return {
    certFile,
    keyFile,
    certPem,
    keyPem: await readFile(keyFile, 'utf8'),
    certDer: Buffer.from(new X509Certificate(certPem).raw),
    algorithm,
  };
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

async function writeConfig(dir: string): Promise<string> {
  const file = path.join(dir, 'openssl.cnf');
  await writeFile(file, OPENSSL_CONFIG);
  return file;
}

async function openssl(args: string[]): Promise<void> {
  const binary = await findTool('openssl');
  await runTool(binary, args, { timeoutMs: 30_000, env: { OPENSSL_CONF: '/dev/null' } });
}

/** Returns a random positive 64-bit serial, so two test certificates do not share issuer and serial. */
function randomSerial(): string {
  const bytes = randomBytes(8);
  bytes.writeUInt8(bytes.readUInt8(0) & 0x7f, 0);
  return `0x${bytes.toString('hex')}`;
}
