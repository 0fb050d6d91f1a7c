/**
 * Messages for requests that got no response: a refused or timed-out
 * connection, a host name that does not resolve, a connection that broke.
 * They name the host first, because the cause lies with the host or the
 * network path to it, not with the request. The method and URL stay on the
 * error object and in the debug lines.
 */

/** The request a failure is about, with its URL already redacted. */
export interface FailedExchange {
  method: string;
  url: URL;
  redactedUrl: string;
}

/** A failure described for people: `failure` in a few words, `message` as a whole sentence. */
export interface NoResponseText {
  /** The cause in a few words, such as `connection refused`. */
  failure: string;
  message: string;
}

/** Time limits named in timeout messages, in milliseconds. */
export interface TimeoutLimits {
  headersMs: number;
  bodyMs: number;
}

/** Codes of failures before a connection existed, phrased in the words `ping` and `curl` use. */
const CONNECT_FAILURES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed temporarily',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  ETIMEDOUT: 'connection timed out',
};

/** Codes of failures on a connection that existed. */
const BROKEN_CONNECTION_FAILURES: Readonly<Record<string, string>> = {
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed while sending',
  UND_ERR_SOCKET: 'connection closed by the other side',
  UND_ERR_CLOSED: 'connection closed',
};

/**
 * Describes a request that got no response because of `code`, or because of
 * `reason` (the underlying error's message) when the code is not a known one.
 */
export function describeNoResponse(exchange: FailedExchange, code: string | undefined, reason: string, limits: TimeoutLimits): NoResponseText {
  const host = exchange.url.host;
  const request = `${exchange.method} ${exchange.redactedUrl}`;

  const connectFailure = code === undefined ? undefined : CONNECT_FAILURES[code];
  if (connectFailure !== undefined) {
    return { failure: connectFailure, message: `cannot connect to ${host} (${connectFailure}); check that the registry is running and the address is right` };
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    const failure = `no response within ${seconds(limits.headersMs)}`;
    return { failure, message: `${host} did not respond to ${request} (${failure}); the registry is slow or unreachable, raise the timeouts option if it is only slow` };
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    const failure = `the body stalled for ${seconds(limits.bodyMs)}`;
    return { failure, message: `${host} stopped sending the body of ${request} (${failure}); the registry is slow or unreachable, raise the timeouts option if it is only slow` };
  }

  const brokenFailure = code === undefined ? undefined : BROKEN_CONNECTION_FAILURES[code];
  if (brokenFailure !== undefined) {
    return { failure: brokenFailure, message: `the connection to ${host} broke during ${request} (${brokenFailure}); try again, and check the registry if it keeps failing` };
  }
  return { failure: reason, message: `${request} got no response from ${host} (${reason}); check that the registry is running and the address is right` };
}

function seconds(milliseconds: number): string {
  return `${Number((milliseconds / 1000).toFixed(1))} s`;
}
