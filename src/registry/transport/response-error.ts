import type { Readable } from 'node:stream';

import { AuthenticationError, NotFoundError, RegistryError } from '../errors.js';
import type { RegistryDiagnostic, RegistryErrorInit } from '../errors.js';
import { redactSecrets, redactUrl } from '../redact.js';
import type { SecretRedactor } from '../redact.js';
import type { RegistryResponse } from '../transport-types.js';
import { MAX_ERROR_BODY_BYTES } from '../wire.js';

/** Statuses after which the same request may succeed later. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/**
 * Methods for which a 500 is retried too. A registry can fail a read for a
 * moment, as Distribution 2.8 does for a HEAD of a tag whose manifest is
 * being put under another tag. A read changes nothing, so sending it again is
 * safe, while a failed write is reported as it is.
 */
const RETRY_500_METHODS = new Set(['GET', 'HEAD']);

/**
 * Redactors of the secrets the transport used for a response, so an error
 * built from the response masks them even where the registry echoes them.
 */
const responseRedactors = new WeakMap<RegistryResponse, SecretRedactor>();

/** Records the secrets sent for `response`; {@link errorFromResponse} masks them. */
export function attachRedactor(response: RegistryResponse, redactor: SecretRedactor): void {
  responseRedactors.set(response, redactor);
}

/**
 * Registries of 401 responses to requests sent without credentials because
 * none are stored. The error built from such a response reports that a login
 * is needed, instead of advising a check of credentials never given.
 */
const loginRequired = new WeakMap<RegistryResponse, string>();

/** Records that `response` is a 401 of `registry` to a request sent without stored credentials. */
export function markLoginRequired(response: RegistryResponse, registry: string): void {
  loginRequired.set(response, registry);
}

/**
 * Builds the error for a request that needs a login when no credentials are
 * stored for `registry`. The Basic and bearer token flows both use it, so
 * the two read the same.
 */
export function credentialsMissingError(init: RegistryErrorInit & { registry: string }): AuthenticationError {
  const { registry, ...rest } = init;
  return new AuthenticationError({
    ...rest,
    code: 'CREDENTIALS_MISSING',
    message:
      `${init.method} ${init.url} needs a login, but no credentials are stored for ${registry}; ` +
      `log in with "docker login ${registry}" or pass --username with --password-stdin`,
  });
}

/** Returns true when the same request may succeed later: 429, 502, 503 and 504, and 500 for a GET or HEAD (`method`). */
export function isRetryableStatus(status: number, method?: string): boolean {
  return RETRYABLE_STATUSES.has(status) || (status === 500 && method !== undefined && RETRY_500_METHODS.has(method));
}

/**
 * Builds the error for a registry's failure response, reading (and then
 * discarding) at most {@link MAX_ERROR_BODY_BYTES} of its body. A JSON body
 * with `errors[]` (distribution-spec v1.1.0, "Error Codes") fills `errors`;
 * any other body is kept as `rawBody`. The method and URL come from the
 * response, and credentials are masked in everything kept.
 *
 * - 404 gives a {@link NotFoundError} naming `context.reference`;
 * - 401 and 403 give an {@link AuthenticationError}, with the code
 *   `CREDENTIALS_MISSING` for a 401 or 403 marked by the transport (the request went out without credentials);
 * - every other status gives a {@link RegistryError}, retryable for 429, 502, 503 and 504, and for a 500 of a GET or HEAD.
 */
export async function errorFromResponse(
  response: RegistryResponse,
  context: { reference?: string } = {},
): Promise<RegistryError> {
  const redactor = responseRedactors.get(response);
  const redact = (text: string): string => (redactor ? redactor.redact(text) : redactSecrets(text));
  const body = redact(await readCapped(response.body, MAX_ERROR_BODY_BYTES));
  const errors = parseDiagnostics(body);

  const init: RegistryErrorInit = {
    method: response.method,
    url: redactUrl(response.url),
    status: response.status,
    errors: errors?.map((diagnostic) => redactDiagnostic(diagnostic, redact)),
    rawBody: errors === undefined && body !== '' ? body : undefined,
    retryable: isRetryableStatus(response.status, response.method),
    reference: context.reference,
  };

  if (response.status === 404) {
    return new NotFoundError(init);
  }
  const registry = loginRequired.get(response);
  if ((response.status === 401 || response.status === 403) && registry !== undefined) {
    return credentialsMissingError({ ...init, registry });
  }
  if (response.status === 401 || response.status === 403) {
    return new AuthenticationError({ ...init, message: describeAuthenticationFailure(init) });
  }
  return new RegistryError(init);
}

function describeAuthenticationFailure(init: RegistryErrorInit): string {
  const first = init.errors?.[0];
  const detail = first ? `${first.code}${first.message ? `: ${first.message}` : ''}` : init.rawBody?.trim().slice(0, 200);
  const subject = init.reference ? ` for ${init.reference}` : '';
  const action =
    init.status === 403
      ? 'the credentials lack access; check the account has the permission needed'
      : 'check the username and password or token for this registry';
  return `${init.method} ${init.url} returned HTTP ${init.status}${subject}${detail ? ` (${detail})` : ''}; ${action}`;
}

function redactDiagnostic(diagnostic: RegistryDiagnostic, redact: (text: string) => string): RegistryDiagnostic {
  const result: RegistryDiagnostic = { code: diagnostic.code };
  if (diagnostic.message !== undefined) {
    result.message = redact(diagnostic.message);
  }
  if (diagnostic.detail !== undefined) {
    result.detail = JSON.parse(redact(JSON.stringify(diagnostic.detail))) as unknown;
  }
  return result;
}

/** Returns the `errors[]` of a JSON error body, or undefined when the body is not one. */
function parseDiagnostics(body: string): RegistryDiagnostic[] | undefined {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return undefined;
  }

  const errors = (document as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) {
    return undefined;
  }

  const diagnostics: RegistryDiagnostic[] = [];
  for (const entry of errors) {
    const candidate = entry as { code?: unknown; message?: unknown; detail?: unknown } | null;
    if (typeof candidate?.code !== 'string') {
      return undefined;
    }
    const diagnostic: RegistryDiagnostic = { code: candidate.code };
    if (typeof candidate.message === 'string') {
      diagnostic.message = candidate.message;
    }
    if (candidate.detail !== undefined) {
      diagnostic.detail = candidate.detail;
    }
    diagnostics.push(diagnostic);
  }
  return diagnostics;
}

/** Reads up to `limit` bytes of `body` as UTF-8, then destroys it so the connection is released. */
export async function readCapped(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      chunks.push(buffer);
      length += buffer.length;
      if (length >= limit) {
        break;
      }
    }
  } catch {
    // A body cut short still describes the failure, so the part that arrived is kept.
  } finally {
    body.destroy();
  }

  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** Reads a little of an unused body so its connection can be reused, else destroys it. */
export async function discardBody(response: RegistryResponse): Promise<void> {
  const body = response.body as RegistryResponse['body'] & { dump?: (options?: { limit: number }) => Promise<void> };
  try {
    if (typeof body.dump === 'function') {
      await body.dump({ limit: 64 * 1024 });
    } else {
      body.destroy();
    }
  } catch {
    // The response is being thrown away; a failure to drain it changes nothing for the caller.
    body.destroy();
  }
}
