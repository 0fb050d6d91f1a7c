import { TagkeeperError } from '../errors.js';

/** One entry of a registry's `errors[]` body (distribution-spec v1.1.0, "Error Codes"). */
export interface RegistryDiagnostic {
  code: string;
  message?: string;
  detail?: unknown;
}

/** Description of the failed request that a {@link RegistryError} carries. */
export interface RegistryErrorInit {
  /** HTTP method as sent. */
  method: string;
  /** Request URL with credentials and query values outside an allow-list removed. */
  url: string;
  /** HTTP status, or undefined when no response arrived (a reset, a time-out). */
  status?: number;
  /** The registry's `errors[]`, when the body held them. */
  errors?: RegistryDiagnostic[];
  /** The body as text, capped, when it was not a JSON error document. */
  rawBody?: string;
  /** True when sending the same request again may succeed (429, 502, 503, 504, a 500 of a GET or HEAD, resets). */
  retryable?: boolean;
  /** The reference the request was about, such as `docker.io/library/etcd:3`. */
  reference?: string;
  /** Cause of a missing response in a few words (`connection refused`), set only when `status` is undefined. */
  failure?: string;
  cause?: unknown;
}

/**
 * A request to a registry failed. `code` is the registry's first error code
 * (`MANIFEST_UNKNOWN`, `DENIED`, …) when it sent one, else one derived from the
 * status (`HTTP_500`) or the transport failure (`NETWORK`, `TIMEOUT`).
 */
export class RegistryError extends TagkeeperError {
  override readonly name: string = 'RegistryError';
  readonly code: string;
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly errors: RegistryDiagnostic[];
  readonly rawBody: string | undefined;
  readonly retryable: boolean;
  readonly reference: string | undefined;
  /** Cause of a missing response in a few words (`connection refused`, `host name not found`), undefined when a response arrived. */
  readonly failure: string | undefined;

  constructor(init: RegistryErrorInit & { code?: string; message?: string }) {
    super(init.message ?? describeFailure(init), { cause: init.cause });
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.errors = init.errors ?? [];
    this.rawBody = init.rawBody;
    this.retryable = init.retryable ?? false;
    this.reference = init.reference;
    this.failure = init.failure;
    this.code = init.code ?? this.errors[0]?.code ?? (init.status === undefined ? 'NETWORK' : `HTTP_${init.status}`);
  }
}

/** The registry has no manifest, blob or repository for the reference (404). */
export class NotFoundError extends RegistryError {
  override readonly name: string = 'NotFoundError';

  constructor(init: RegistryErrorInit & { code?: string; message?: string }) {
    super({
      ...init,
      message:
        init.message ?? `${init.reference ?? init.url} not found: ${describeFailure(init)}; check the repository, tag or digest`,
    });
  }
}

/** The registry rejected the credentials, or tagkeeper has none for it (401, 403). */
export class AuthenticationError extends RegistryError {
  override readonly name: string = 'AuthenticationError';
}

/** A reference, repository, tag or digest string does not follow the OCI grammar. */
export class InvalidReferenceError extends TagkeeperError {
  override readonly name = 'InvalidReferenceError';
  readonly code = 'INVALID_REFERENCE';

  constructor(
    /** The input as given. */
    readonly input: string,
    reason: string,
  ) {
    super(`invalid reference "${input}": ${reason}`);
  }
}

/** Content read from a registry does not match the digest it was asked for or announced. */
export class DigestMismatchError extends TagkeeperError {
  override readonly name = 'DigestMismatchError';
  readonly code = 'DIGEST_MISMATCH';

  constructor(
    readonly expected: string,
    readonly actual: string,
    readonly what: string,
  ) {
    super(`digest mismatch for ${what}: expected ${expected}, content has ${actual}; the registry or a proxy altered the content`);
  }
}

/** A registry responded with content tagkeeper cannot accept: invalid JSON, a wrong media type, an oversized manifest. */
export class InvalidResponseError extends RegistryError {
  override readonly name: string = 'InvalidResponseError';
}

function describeFailure(init: RegistryErrorInit): string {
  const target = `${init.method} ${init.url}`;
  const status = init.status === undefined ? 'no response' : `HTTP ${init.status}`;
  const first = init.errors?.[0];
  const detail = first ? `${first.code}${first.message ? `: ${first.message}` : ''}` : init.rawBody?.trim().slice(0, 200);
  return detail ? `${target} returned ${status} (${detail})` : `${target} returned ${status}`;
}

/** Returns true for a {@link RegistryError} from this or another copy of the package. */
export function isRegistryError(value: unknown): value is RegistryError {
  return typeof value === 'object' && value !== null && typeof (value as RegistryError).method === 'string' &&
    'retryable' in value && (value as { isTagkeeperError?: unknown }).isTagkeeperError === true;
}

/** Returns true for a {@link NotFoundError} from this or another copy of the package. */
export function isNotFoundError(value: unknown): value is NotFoundError {
  return isRegistryError(value) && (value.name === 'NotFoundError' || value.status === 404);
}
