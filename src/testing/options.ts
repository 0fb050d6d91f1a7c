import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { z } from 'zod';
import { MemoryRegistryOptionError } from './errors.js';

/** Actions a bearer token grants on one repository. */
export type RepositoryAction = 'pull' | 'push' | 'delete';

/** HTTP basic authentication: every request needs the user name and password of one of `users`. */
export interface BasicAuthOptions {
  type: 'basic';
  /** Passwords by user name. */
  users: Record<string, string>;
}

/**
 * Bearer token authentication with a token endpoint at `/token` on the same
 * server, as CNCF Distribution does with an external token server.
 */
export interface TokenAuthOptions {
  type: 'token';
  /** Passwords by user name. */
  users: Record<string, string>;
  /** The `service` of the challenge and the audience of the tokens. Default `tagkeeper-memory-registry`. */
  service?: string;
  /** Lets a token requested without credentials pull from every repository. Default false. */
  allowAnonymousPull?: boolean;
  /**
   * Returns the actions `user` (undefined when anonymous) gets on `repository`
   * out of `requested`. Default: users get everything they request, anonymous
   * callers get `pull` when `allowAnonymousPull` is set.
   */
  access?: (user: string | undefined, repository: string, requested: RepositoryAction[]) => RepositoryAction[];
  /** Token lifetime in seconds, sent as `expires_in`. Default 300. */
  expiresInSeconds?: number;
  /**
   * Replaces the refresh token with each `grant_type=refresh_token` request and
   * rejects the old one, as OAuth2 servers that rotate refresh tokens do.
   * Default false: a refresh token stays valid. A password grant with
   * `access_type=offline` issues the first refresh token either way.
   */
  rotateRefreshTokens?: boolean;
  /** `jwt` (default) issues HS256 JSON web tokens like Distribution's token servers; `opaque` issues tokens a client cannot decode. */
  tokenFormat?: 'jwt' | 'opaque';
  /**
   * Response to a valid token without the needed scope: `unauthorized` (default)
   * is Distribution's 401 with `error="insufficient_scope"`, and `denied` is the
   * 403 DENIED that some hosted registries send.
   */
  insufficientScope?: 'unauthorized' | 'denied';
}

/** A request as passed to the fault hook, before the registry handles it. */
export interface FaultRequest {
  method: string;
  /** The URL path, such as `/v2/library/etcd/manifests/3`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Zero-based position of this request among all requests the server received. */
  index: number;
}

/** Fault to inject into one request. */
export type FaultAction =
  /** Responds with this status instead of handling the request. Without `body`, a 4xx or 5xx status gets a registry error body. */
  | { status: number; headers?: Record<string, string>; body?: string | Buffer | object }
  /** Waits this many milliseconds, then handles the request. */
  | { delayMs: number }
  /** Resets the connection without a response. */
  | { reset: true }
  /** Handles the request, but resets the connection after this many bytes of the response body. */
  | { truncateBodyAfter: number };

/** Inspects each request and returns a fault to inject, or undefined to handle the request normally. */
export type FaultHook = (request: FaultRequest) => FaultAction | undefined | Promise<FaultAction | undefined>;

/** Options of {@link startMemoryRegistry}. */
export interface MemoryRegistryOptions {
  /** Address to listen on: `127.0.0.1` (default), another 127.0.0.0/8 address or `::1`. Only loopback addresses are accepted. */
  host?: string;
  /** Port to listen on. Default 0, a free port. */
  port?: number;
  /** No authentication when omitted. */
  auth?: BasicAuthOptions | TokenAuthOptions;
  /** Page size of tags/list and _catalog when the client sends no `n`. Default: everything in one page, like Distribution. */
  pageSize?: number;
  /** Maximum `n` a client may send. A larger `n` gets 400 PAGINATION_NUMBER_INVALID. Default: no limit. */
  maxPageSize?: number;
  /** Allows DELETE of manifests, tags and blobs. Default true. When false, a DELETE gets 405 UNSUPPORTED. */
  deleteEnabled?: boolean;
  /** Serves `GET /v2/<name>/referrers/<digest>` and the `OCI-Subject` header. Default true; false behaves like Distribution 2.8, which has no referrers API. */
  referrersApi?: boolean;
  /**
   * Manifest responses when `Accept` lacks the stored media type. `distribution`
   * (default) responds as CNCF Distribution 2.8 does: 404 for OCI manifests and
   * indexes, the linux/amd64 entry for a Docker manifest list fetched by tag, and
   * 400 for a Docker manifest fetched by tag. `none` always serves the stored manifest.
   */
  acceptNegotiation?: 'distribution' | 'none';
  /** Injects faults per request. */
  faults?: FaultHook;
  /** Receives one line per request, and lines for start, stop and internal errors. Never receives credentials. */
  log?: (line: string) => void;
  /** Current time in milliseconds, for token expiry. Default `Date.now`. */
  clock?: () => number;
}

/** One request the server received, for assertions and request counting. */
export interface RequestRecord {
  method: string;
  /** The URL path, without the query. */
  path: string;
  /** The query string without `?`, empty when there is none. */
  query: string;
  /** The status sent, or 0 while the request is in progress and when the connection was reset before a response. */
  status: number;
}

/** A running in-memory registry. */
export interface MemoryRegistry {
  /** The registry host to use in references, such as `127.0.0.1:5000` or `[::1]:5000`. */
  host: string;
  /** The base URL, such as `http://127.0.0.1:5000`. */
  url: string;
  /** Every request received since the start or the last {@link MemoryRegistry.resetRequests}, in arrival order. */
  requests: RequestRecord[];
  /** Empties {@link MemoryRegistry.requests}. */
  resetRequests(): void;
  /** Names of the repositories that ever received a blob or a manifest, sorted; deletes do not remove a repository, as in Distribution. */
  repositories(): string[];
  /** Tags of `repository`, sorted; empty for an unknown repository. */
  tags(repository: string): string[];
  /** Stops listening, closes open connections and drops the stored content. */
  close(): Promise<void>;
}

const FunctionSchema = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', 'must be a function');

const UserMapSchema = z.record(z.string().min(1).regex(/^[^:]+$/, 'must not contain ":"'), z.string());

const OptionsSchema = z.object({
  host: z.string().optional(),
  port: z.number().int().min(0).max(65535).optional(),
  auth: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('basic'), users: UserMapSchema }),
      z.object({
        type: z.literal('token'),
        users: UserMapSchema,
        service: z.string().min(1).regex(/^[^"\\]+$/, 'must not contain quotes or backslashes').optional(),
        allowAnonymousPull: z.boolean().optional(),
        access: FunctionSchema.optional(),
        expiresInSeconds: z.number().int().positive().optional(),
        tokenFormat: z.enum(['jwt', 'opaque']).optional(),
        insufficientScope: z.enum(['unauthorized', 'denied']).optional(),
      }),
    ])
    .optional(),
  pageSize: z.number().int().positive().optional(),
  maxPageSize: z.number().int().positive().optional(),
  deleteEnabled: z.boolean().optional(),
  referrersApi: z.boolean().optional(),
  acceptNegotiation: z.enum(['distribution', 'none']).optional(),
  faults: FunctionSchema.optional(),
  log: FunctionSchema.optional(),
  clock: FunctionSchema.optional(),
});

/**
 * Checks `options` and returns them unchanged. Throws
 * {@link MemoryRegistryOptionError} naming the first invalid option.
 */
export function validateOptions(options: MemoryRegistryOptions): MemoryRegistryOptions {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const option = issue?.path.join('.') || 'options';
    throw new MemoryRegistryOptionError(option, issue?.message ?? 'invalid value');
  }

  if (options.host !== undefined && !isLoopbackAddress(options.host)) {
    throw new MemoryRegistryOptionError(
      'host',
      `"${options.host}" is not a loopback address; use 127.0.0.1 or ::1, because the test registry must not be reachable from other hosts`,
    );
  }
  if (options.pageSize !== undefined && options.maxPageSize !== undefined && options.pageSize > options.maxPageSize) {
    throw new MemoryRegistryOptionError(
      'pageSize',
      `${options.pageSize} is larger than maxPageSize ${options.maxPageSize}; set pageSize to at most maxPageSize`,
    );
  }
  return options;
}

/** Returns true for an IPv4 address in 127.0.0.0/8 or the IPv6 address `::1`. */
export function isLoopbackAddress(host: string): boolean {
  if (isIP(host) === 4) {
    return host.startsWith('127.');
  }
  if (isIP(host) === 6) {
    return /^(?:0{0,4}:){2,7}0{0,3}1$/.test(host);
  }
  return false;
}
