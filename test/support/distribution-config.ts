/**
 * Builds the config.yml of CNCF Distribution 2.8 (`docker-registry serve`),
 * tested with the Debian package docker-registry 2.8.2+ds1.
 */
import { stringify } from 'yaml';

/** What the registry config describes. */
export interface DistributionConfigInput {
  port: number;
  storage: string;
  /** Key that signs upload state. Setting one avoids the registry's warning about a generated key. */
  httpSecret: string;
  tls?: { certificateFile: string; keyFile: string };
  htpasswd?: { realm: string; file: string };
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
}

/** Returns the YAML text of a registry config: filesystem storage with delete enabled, loopback only, quiet logs. */
export function distributionConfigYaml(input: DistributionConfigInput): string {
  const http: Record<string, unknown> = {
    addr: `127.0.0.1:${input.port}`,
    secret: input.httpSecret,
    headers: { 'X-Content-Type-Options': ['nosniff'] },
  };
  if (input.tls !== undefined) {
    http.tls = { certificate: input.tls.certificateFile, key: input.tls.keyFile };
  }

  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'warn', formatter: 'text', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: input.storage },
      delete: { enabled: true },
      // The purge sweep of stale uploads is for long-lived registries, and a test registry lives for seconds.
      maintenance: { uploadpurging: { enabled: false } },
    },
    http,
    health: { storagedriver: { enabled: false } },
  };

  if (input.htpasswd !== undefined) {
    config.auth = { htpasswd: { realm: input.htpasswd.realm, path: input.htpasswd.file } };
  } else if (input.token !== undefined) {
    config.auth = {
      token: {
        realm: input.token.realm,
        service: input.token.service,
        issuer: input.token.issuer,
        rootcertbundle: input.token.rootCertBundle,
      },
    };
  }
  return stringify(config);
}
