/**
 * Starts CNCF Distribution 2.8 (the Debian package `docker-registry`) on a
 * free loopback port with storage in a temp folder: anonymous, with htpasswd
 * basic auth, or with token auth behind a token server, over HTTP or HTTPS
 * from a test CA.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { createTestCa, issueServerCertificate } from './certificates.js';
import { distributionConfigYaml, type DistributionConfigInput } from './distribution-config.js';
import { writeHtpasswd, type RegistryUser } from './htpasswd.js';
import { InvalidRegistryOptionsError } from './errors.js';
import { freePort } from './ports.js';
import { spawnServer, stopServer, type ServerProcess } from './processes.js';
import { waitForRegistry } from './readiness.js';
import { makeTempDir, removeDir } from './temp.js';
import { startTokenServer, type TokenServer } from './token-server.js';
import { checkExecutable, findTool } from './tools.js';

/** Settings of a test registry. Every field has a default. */
export interface DistributionOptions {
  /** Default 'none'. */
  auth?: 'none' | 'htpasswd' | 'token';
  /** Users of htpasswd and token auth. Default: one user 'tester' with password 's3cret-pass'. */
  users?: RegistryUser[];
  /** Serve HTTPS with a certificate from a test CA (SAN IP:127.0.0.1, DNS:localhost). */
  tls?: boolean;
  /**
   * Token server for auth 'token', whose users should match `users`. Default:
   * one started for `users`, and stopped with the registry.
   */
  token?: TokenServer;
  /** Milliseconds to wait for a response to `GET /v2/`. Default 10 000. */
  startTimeoutMs?: number;
  /** Path of the registry program. Default: `docker-registry` on PATH or in /usr/bin. */
  binary?: string;
}

/** A running registry. */
export interface Distribution {
  /** Registry name for references: '127.0.0.1:PORT'. */
  host: string;
  port: number;
  /** Process id of the registry. */
  pid: number;
  /** 'http://127.0.0.1:PORT' or 'https://127.0.0.1:PORT'. */
  url: string;
  auth: 'none' | 'htpasswd' | 'token';
  /** Storage folder (removed by stop). */
  storage: string;
  users: RegistryUser[];
  /** PEM of the test CA, when TLS is on. */
  caCert?: string;
  /** Path of that PEM. */
  caFile?: string;
  /** Folder containing only `ca.crt`, for skopeo's `--cert-dir`. */
  caDir?: string;
  /** The token server, for auth 'token'. */
  token?: TokenServer;
  /** The registry's log output so far (stderr and stdout), for diagnosing a failed test. */
  logs(): string;
  /** Stops the registry (SIGTERM, then SIGKILL after 2 s) and removes its temp folders. Calling it twice is safe. */
  stop(): Promise<void>;
}

export type { RegistryUser } from './htpasswd.js';

/** Realm of the `WWW-Authenticate: Basic` challenge of a registry with htpasswd auth. */
export const HTPASSWD_REALM = 'tagkeeper-test-registry';

/** The default user of registries with auth. */
export const DEFAULT_USERS: readonly RegistryUser[] = [{ username: 'tester', password: 's3cret-pass' }];

/** Attempts before giving up when another process takes the free port first. */
const PORT_ATTEMPTS = 3;

/**
 * Starts a registry and resolves once `GET /v2/` returns 200 or 401.
 *
 * @throws ToolMissingError when `docker-registry` is not installed, so tests
 *   against the real registry fail instead of skipping.
 * @throws ServerStartError with the registry's stderr when it does not start in time.
 */
export async function startDistribution(options: DistributionOptions = {}): Promise<Distribution> {
  const binary = options.binary === undefined ? await findTool('docker-registry') : await checkExecutable(options.binary, 'docker-registry');
  const auth = options.auth ?? 'none';
  if (!['none', 'htpasswd', 'token'].includes(auth)) {
    throw new InvalidRegistryOptionsError(`auth "${String(auth)}" is invalid: use 'none', 'htpasswd' or 'token'`);
  }
  const users = (options.users ?? DEFAULT_USERS).map((user) => ({ ...user }));

  const root = await makeTempDir('registry');
  let startedToken: TokenServer | undefined;
  try {
    const storage = path.join(root, 'storage');
    await mkdir(storage);
    const base: Omit<DistributionConfigInput, 'port'> = { storage, httpSecret: randomBytes(16).toString('hex') };

    if (auth === 'htpasswd') {
      const file = path.join(root, 'htpasswd');
      await writeHtpasswd(file, users);
      base.htpasswd = { realm: HTPASSWD_REALM, file };
    }

    let token: TokenServer | undefined;
    if (auth === 'token') {
      token = options.token ?? (startedToken = await startTokenServer({ users }));
      base.token = { realm: token.realm, service: token.service, issuer: token.issuer, rootCertBundle: token.rootCertFile };
    }

    const tls = options.tls === true ? await createTls(root) : undefined;
    if (tls !== undefined) base.tls = { certificateFile: tls.serverCertFile, keyFile: tls.serverKeyFile };

    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      const configFile = path.join(root, 'config.yml');
      await writeFile(configFile, distributionConfigYaml({ ...base, port }));

      const server = spawnServer(binary, ['serve', configFile], registryEnvironment());
      const url = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
      try {
        await waitForRegistry({ url, server, timeoutMs: options.startTimeoutMs ?? 10_000, caCert: tls?.caCert });
      } catch (error) {
        await stopServer(server);
        if (attempt < PORT_ATTEMPTS && server.stderr().includes('address already in use')) continue;
        throw error;
      }
      return runningDistribution({ port, url, auth, storage, users, root, server, tls, token, startedToken });
    }
  } catch (error) {
    await startedToken?.stop();
    await removeDir(root);
    throw error;
  }
}

interface RunningParts {
  port: number;
  url: string;
  auth: Distribution['auth'];
  storage: string;
  users: RegistryUser[];
  root: string;
  server: ServerProcess;
  tls: RegistryTls | undefined;
  token: TokenServer | undefined;
  /** The token server started for this registry, which stops with it. */
  startedToken: TokenServer | undefined;
}

/** The TLS files of a registry: its test CA and the server certificate that CA signed. */
interface RegistryTls {
  caCert: string;
  caFile: string;
  caDir: string;
  serverCertFile: string;
  serverKeyFile: string;
}

/**
 * Creates a test CA and a server certificate under `root`. The CA certificate
 * is copied alone into `ca/`, because skopeo's `--cert-dir` reads every
 * `*.key` file there as a client key.
 */
async function createTls(root: string): Promise<RegistryTls> {
  const work = path.join(root, 'tls');
  const caDir = path.join(root, 'ca');
  await mkdir(work);
  await mkdir(caDir);

  const ca = await createTestCa(work);
  const server = await issueServerCertificate(ca, work);
  const caFile = path.join(caDir, 'ca.crt');
  await copyFile(ca.certFile, caFile);
  return { caCert: ca.certPem, caFile, caDir, serverCertFile: server.certFile, serverKeyFile: server.keyFile };
}

function runningDistribution(parts: RunningParts): Distribution {
  let stopping: Promise<void> | undefined;
  const tls = parts.tls === undefined ? {} : { caCert: parts.tls.caCert, caFile: parts.tls.caFile, caDir: parts.tls.caDir };
  return {
    host: `127.0.0.1:${parts.port}`,
    port: parts.port,
    pid: parts.server.child.pid ?? -1,
    url: parts.url,
    auth: parts.auth,
    storage: parts.storage,
    users: parts.users,
    ...tls,
    ...(parts.token === undefined ? {} : { token: parts.token }),
    logs: () => parts.server.stderr(),
    stop() {
      stopping ??= (async () => {
        await stopServer(parts.server);
        await parts.startedToken?.stop();
        await removeDir(parts.root);
      })();
      return stopping;
    },
  };
}

/**
 * Copies the environment without `REGISTRY_*` variables, because the registry
 * reads them as config overrides (skopeo's `REGISTRY_AUTH_FILE` among them).
 */
function registryEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('REGISTRY_')) env[name] = value;
  }
  return env;
}
