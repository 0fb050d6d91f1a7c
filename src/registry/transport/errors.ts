import { TagkeeperError } from '../../errors.js';
import { RegistryError } from '../errors.js';

/** The request a transport-level refusal is about. */
interface RefusedRequest {
  method: string;
  /** Redacted URL of the refused target. */
  url: string;
  reference?: string;
}

/**
 * The transport refused to contact an address because a server pointed it
 * there: a token realm or redirect to a link-local address (169.254.0.0/16,
 * fe80::/10) or a cloud metadata host. Those answer with credentials of the
 * machine, so the transport never connects, whoever asks.
 */
export class BlockedHostError extends RegistryError {
  override readonly name: string = 'BlockedHostError';

  constructor(request: RefusedRequest, what: string) {
    super({
      ...request,
      code: 'BLOCKED_HOST',
      message: `refused to send ${request.method} ${request.url}: ${what} points at a link-local or cloud metadata address, which tagkeeper never contacts`,
    });
  }
}

/**
 * The transport refused plain HTTP to a host that is neither a loopback
 * address nor marked insecure, because credentials and content would cross
 * the network unprotected.
 */
export class InsecureSchemeError extends RegistryError {
  override readonly name: string = 'InsecureSchemeError';

  constructor(request: RefusedRequest, what: string, host: string) {
    super({
      ...request,
      code: 'INSECURE_SCHEME',
      message: `refused to send ${request.method} ${request.url}: ${what} uses plain HTTP; list ${host} in insecureRegistries (or hosts["${host}"].insecure) if that host has no HTTPS`,
    });
  }
}

/** A chain of redirects was longer than the transport follows. */
export class TooManyRedirectsError extends RegistryError {
  override readonly name: string = 'TooManyRedirectsError';

  constructor(request: RefusedRequest, limit: number) {
    super({
      ...request,
      code: 'TOO_MANY_REDIRECTS',
      message: `${request.method} ${request.url} redirected more than ${limit} times; the registry or its blob storage is misconfigured`,
    });
  }
}

/** An option of `createTransport` has an invalid value. */
export class InvalidTransportOptionError extends TagkeeperError {
  override readonly name = 'InvalidTransportOptionError';
  readonly code = 'INVALID_OPTION';

  constructor(
    /** The option's path, such as `retry.maxAttempts`. */
    readonly option: string,
    value: unknown,
    expected: string,
  ) {
    super(`invalid transport option ${option}: ${String(value)}; expected ${expected}`);
  }
}
