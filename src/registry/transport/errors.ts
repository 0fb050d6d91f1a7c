import { TagkeeperError } from '../../errors.js';
import { RegistryError } from '../errors.js';

/** The request a transport-level rejection is about. */
export interface RejectedRequest {
  method: string;
  /** Redacted URL of the refused target. */
  url: string;
  reference?: string;
}

/**
 * The transport rejected a URL that a server sent it to: a token realm or
 * redirect on a link-local address (169.254.0.0/16, fe80::/10) or a cloud
 * metadata host. Metadata services there return the machine's credentials,
 * so the transport never connects to them.
 */
export class BlockedHostError extends RegistryError {
  override readonly name: string = 'BlockedHostError';

  constructor(request: RejectedRequest, source: string) {
    super({
      ...request,
      code: 'BLOCKED_HOST',
      message: `${request.method} ${request.url} was not sent: ${source} points at a link-local or cloud metadata address, which tagkeeper never contacts`,
    });
  }
}

/**
 * The transport rejected plain HTTP to a host that is neither a loopback
 * address nor marked insecure, because credentials and content would cross
 * the network unprotected.
 */
export class InsecureSchemeError extends RegistryError {
  override readonly name: string = 'InsecureSchemeError';

  constructor(request: RejectedRequest, source: string, host: string) {
    super({
      ...request,
      code: 'INSECURE_SCHEME',
      message: `${request.method} ${request.url} was not sent: ${source} uses plain HTTP; list ${host} in insecureRegistries (or hosts["${host}"].insecure) if that host has no HTTPS`,
    });
  }
}

/** A chain of redirects was longer than the transport follows. */
export class TooManyRedirectsError extends RegistryError {
  override readonly name: string = 'TooManyRedirectsError';

  constructor(request: RejectedRequest, limit: number) {
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
