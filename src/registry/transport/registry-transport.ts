import { Authenticator } from '../auth/authenticator.js';
import type { Authorization, RegistryAuthState } from '../auth/authenticator.js';
import type { CredentialStore } from '../auth/credentials.js';
import { normalizeScopes, repositoryScope } from '../auth/scope.js';
import type { TokenExchange } from '../auth/token.js';
import { RegistryError } from '../errors.js';
import { SecretRedactor, redactUrl } from '../redact.js';
import type { RegistryRequest, RegistryResponse, RegistryTransport } from '../transport-types.js';
import { Header } from '../wire.js';
import { DebugLog } from './debug-log.js';
import { DispatcherPool } from './dispatchers.js';
import type { ConnectionSettings } from './dispatchers.js';
import { followRedirects, resolveRequestUrl } from './redirects.js';
import type { UrlPolicy } from './redirects.js';
import { attachRedactor, discardBody, markLoginRequired } from './response-error.js';
import { mayRetry } from './retry.js';
import { withRetries } from './retry-loop.js';
import type { RetrySettings } from './retry.js';
import { ExchangeFailure, isReplayableBody, sendExchange } from './send.js';
import type { Exchange, ExchangeTimeouts } from './send.js';
import { RegistryTargets } from './targets.js';
import type { RegistryTarget } from './targets.js';

/** Everything the transport needs, with defaults applied. */
export interface TransportSettings {
  credentials: CredentialStore;
  connections: ConnectionSettings;
  timeouts: ExchangeTimeouts;
  retry: RetrySettings;
  trustedRealmHosts: readonly string[];
  /** Hosts (`host` or `host:port`) that may be reached over plain HTTP although they are not loopback addresses. */
  insecureHosts: ReadonlySet<string>;
  debug?: (line: string) => void;
  userAgent: string;
}

/**
 * The {@link RegistryTransport} on undici: pools per origin, scheme
 * selection, auth challenges, retries, redirects and debug output. Created
 * by `createTransport`.
 */
export class HttpRegistryTransport implements RegistryTransport {
  readonly #settings: TransportSettings;
  readonly #pool: DispatcherPool;
  readonly #log: DebugLog;
  readonly #targets: RegistryTargets;
  readonly #auth: Authenticator;
  readonly #urls: UrlPolicy;
  #closed = false;

  constructor(settings: TransportSettings) {
    this.#settings = settings;
    this.#pool = new DispatcherPool(settings.connections);
    this.#log = new DebugLog(settings.debug);
    this.#targets = new RegistryTargets(settings.insecureHosts);
    this.#urls = { allowsPlainHttp: (url) => this.#targets.allowsPlainHttp(url) };
    this.#auth = new Authenticator({
      credentials: settings.credentials,
      trustedRealmHosts: settings.trustedRealmHosts,
      allowsPlainHttp: (url) => this.#targets.allowsPlainHttp(url),
      sendTokenRequest: (exchange) => this.#sendTokenRequest(exchange),
    });
  }

  async request(registry: string, request: RegistryRequest): Promise<RegistryResponse> {
    if (this.#closed) {
      throw new RegistryError({
        method: request.method,
        url: redactUrl(request.url),
        code: 'TRANSPORT_CLOSED',
        message: `${request.method} ${redactUrl(request.url)} was not sent: the transport is closed; create a new one`,
      });
    }

    const target = this.#targets.get(registry);
    const replayable = isReplayableBody(request.body);
    const redactor = new SecretRedactor();
    // A stream body can be sent once, so its request must carry working credentials the first time.
    // NOTE: when GET /v2/ succeeds anonymously but the repository requires auth, the stream
    // goes out without credentials, and the registry's 401 is returned, not retried.
    await this.#prepare(target, !replayable);

    const retryAllowed = mayRetry(request, replayable);
    const response = await withRetries(this.#settings.retry, retryAllowed, request.signal, (note) =>
      this.#authenticated(target, request, replayable, redactor, note),
    );
    attachRedactor(response, redactor);
    return response;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#pool.close();
  }

  /** Sends the request with the registry's `Authorization`, and once more after a 401 that new credentials may fix. */
  async #authenticated(
    target: RegistryTarget,
    request: RegistryRequest,
    replayable: boolean,
    redactor: SecretRedactor,
    note: string | undefined,
  ): Promise<RegistryResponse> {
    // Requests to an anonymous registry need no scopes, and only an error
    // needs the URL, so both are built on first use.
    let scopes: string[] | undefined;
    const scopesOf = (): string[] => (scopes ??= normalizeScopes((request.scopes ?? []).map(repositoryScope)));
    const described = {
      method: request.method,
      redactedUrl: () => redactUrl(resolveRequestUrl(request.url, target.origin()).toString()),
      repository: credentialRepository(request),
    };

    let authorization: Authorization =
      target.challenge?.scheme === 'anonymous'
        ? { source: 'none' }
        : await this.#auth.authorize(target, { ...described, scopes: scopesOf() }, redactor);
    const response = await this.#redirecting(target, request, authorization, redactor, note);
    if (response.status !== 401 || !target.isOwnOrigin(response.url)) {
      return response;
    }

    let decision: { retry: boolean; scopes: string[] };
    try {
      decision = this.#auth.handleUnauthorized(target, response.headers[Header.wwwAuthenticate], authorization, scopesOf());
    } catch (error) {
      await discardBody(response);
      throw error;
    }
    if (!decision.retry || !replayable) {
      return markUnauthorized(target, response, authorization);
    }

    await discardBody(response);
    authorization = await this.#auth.authorize(target, { ...described, scopes: decision.scopes }, redactor);
    const retried = await this.#redirecting(target, request, authorization, redactor, joinNotes(note, `after HTTP 401, ${describeAuthorization(authorization)}`));
    return markUnauthorized(target, retried, authorization);
  }

  #redirecting(
    target: RegistryTarget,
    request: RegistryRequest,
    authorization: Authorization,
    redactor: SecretRedactor,
    note: string | undefined,
  ): Promise<RegistryResponse> {
    return followRedirects({
      request,
      origin: target.origin(),
      target,
      authorization: authorization.header,
      userAgent: this.#settings.userAgent,
      policy: this.#urls,
      send: (exchange, hopNote) => this.#send(exchange, joinNotes(note, hopNote), redactor),
    });
  }

  /**
   * Learns the scheme of a registry that may use plain HTTP (HTTPS first,
   * HTTP when the TLS handshake fails) and, when `needChallenge`, its auth
   * challenge, with one `GET /v2/`. Concurrent requests share the probe.
   */
  async #prepare(target: RegistryTarget, needChallenge: boolean): Promise<void> {
    if (target.scheme === undefined && !target.plainHttpAllowed) {
      target.scheme = 'https';
    }
    if (target.scheme !== undefined && !(needChallenge && target.challenge === undefined)) {
      return;
    }

    target.probing ??= this.#probe(target).finally(() => {
      target.probing = undefined;
    });
    await target.probing;
  }

  async #probe(target: RegistryTarget): Promise<void> {
    const schemes: Array<'https' | 'http'> = target.scheme ? [target.scheme] : ['https', 'http'];
    for (const scheme of schemes) {
      const url = new URL('/v2/', target.origin(scheme));
      const exchange: Exchange = { method: 'GET', url, headers: { 'user-agent': this.#settings.userAgent } };
      let response: RegistryResponse;
      try {
        response = await withRetries(this.#settings.retry, true, undefined, (note) =>
          this.#send(exchange, joinNotes('probe for scheme and auth', note)),
        );
      } catch (error) {
        if (scheme === 'https' && schemes.length > 1 && (error as RegistryError).code === 'TLS_HANDSHAKE') {
          continue;
        }
        throw error;
      }

      target.scheme = scheme;
      try {
        if (response.status === 401) {
          this.#auth.handleUnauthorized(target, response.headers[Header.wwwAuthenticate], { source: 'none' }, []);
        } else if (response.status < 300) {
          target.challenge ??= { scheme: 'anonymous' };
        }
      } finally {
        await discardBody(response);
      }
      return;
    }
  }

  #sendTokenRequest(exchange: TokenExchange): Promise<RegistryResponse> {
    const wire: Exchange = {
      method: exchange.method,
      url: exchange.url,
      headers: { 'user-agent': this.#settings.userAgent, ...exchange.headers },
      body: exchange.body,
    };
    // The OAuth2 POST is not repeated, like every POST.
    return withRetries(this.#settings.retry, exchange.method === 'GET', undefined, (note) => this.#send(wire, joinNotes(exchange.note, note)));
  }

  /** Sends one exchange and writes its debug line. */
  async #send(exchange: Exchange, note: string | undefined, redactor?: SecretRedactor): Promise<RegistryResponse> {
    const dispatcher = this.#pool.get(exchange.url);
    if (!this.#log.enabled) {
      return sendExchange(dispatcher, exchange, this.#settings.timeouts);
    }
    const id = this.#log.next();
    const started = performance.now();
    const record = { method: exchange.method, url: exchange.url.toString(), note };
    try {
      const response = await sendExchange(dispatcher, exchange, this.#settings.timeouts);
      this.#log.write(id, { ...record, status: response.status, durationMs: performance.now() - started }, redactor);
      return response;
    } catch (error) {
      const failure = error instanceof ExchangeFailure ? error.failureCode : 'error';
      this.#log.write(id, { ...record, failure, durationMs: performance.now() - started }, redactor);
      throw error;
    }
  }
}

/**
 * Marks a final 401 or 403 of the registry to a request sent without stored
 * credentials, so the error built from it reports that a login is needed
 * rather than a lack of permissions.
 */
function markUnauthorized(target: RegistryTarget, response: RegistryResponse, authorization: Authorization): RegistryResponse {
  const rejected = response.status === 401 || response.status === 403;
  if (rejected && authorization.credentialStored === false && target.isOwnOrigin(response.url)) {
    markLoginRequired(response, target.registry);
  }
  return response;
}

/** Returns the repository whose credential applies: the one the request pushes to, else the first it names. */
function credentialRepository(request: RegistryRequest): string | undefined {
  const scopes = request.scopes ?? [];
  return (scopes.find((scope) => scope.actions.includes('push')) ?? scopes[0])?.repository;
}

function describeAuthorization(authorization: Authorization): string {
  switch (authorization.source) {
    case 'basic':
      return 'with username and password';
    case 'registry-token':
      return 'with the stored registry token';
    case 'cached-token':
      return 'with a cached token';
    case 'new-token':
      return 'with a new token';
    case 'none':
      return 'anonymous';
  }
}

function joinNotes(...notes: Array<string | undefined>): string | undefined {
  const present = notes.filter((note): note is string => note !== undefined && note !== '');
  return present.length === 0 ? undefined : present.join('; ');
}

export type { RegistryAuthState };
