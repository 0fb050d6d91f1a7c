import { normalizeScopes, scopesCover } from './scope.js';

/** A bearer token as a token server issued it. */
export interface IssuedToken {
  token: string;
  /** Lifetime from the moment it arrived. */
  lifetimeMs: number;
  /** A new refresh token from an OAuth2 reply, which replaces the identity token that was sent. */
  refreshToken?: string;
}

/** A token kept for reuse. */
export interface CachedToken {
  token: string;
  /** The scopes it was requested for, normalized. */
  scopes: string[];
  /** Time (ms since the epoch) after which it is not used any more. */
  refreshAt: number;
}

/** Maximum time before expiry at which a token is replaced. */
const MAX_REFRESH_MARGIN_MS = 10_000;

/**
 * Bearer tokens per partition (one registry, realm and service) and scope
 * set. A request reuses a token whose scopes cover its own, and concurrent
 * requests for the same scopes share one token request, so a run makes one
 * token request per scope set and lifetime, not one per registry request.
 */
export class TokenCache {
  readonly #entries = new Map<string, Map<string, CachedToken>>();
  readonly #pending = new Map<string, Promise<CachedToken>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Returns a token whose scopes cover `scopes` and that is not due for refresh, preferring one for exactly these scopes. */
  find(partition: string, scopes: readonly string[]): CachedToken | undefined {
    const entries = this.#entries.get(partition);
    if (!entries) {
      return undefined;
    }

    const now = this.#now();
    const key = normalizeScopes(scopes).join(' ');
    const exact = entries.get(key);
    if (exact && now < exact.refreshAt) {
      return exact;
    }

    for (const entry of entries.values()) {
      if (now < entry.refreshAt && scopesCover(entry.scopes, scopes)) {
        return entry;
      }
    }
    return undefined;
  }

  /**
   * Returns a cached token for `scopes`, or calls `fetch` and caches its
   * result. Callers that request the same scopes while a fetch runs wait for
   * that fetch. `fetched` is true only for the call that started it.
   */
  async obtain(
    partition: string,
    scopes: readonly string[],
    fetch: () => Promise<IssuedToken>,
  ): Promise<{ entry: CachedToken; fetched: boolean }> {
    const cached = this.find(partition, scopes);
    if (cached) {
      return { entry: cached, fetched: false };
    }

    const normalized = normalizeScopes(scopes);
    const pendingKey = `${partition}\n${normalized.join(' ')}`;
    const pending = this.#pending.get(pendingKey);
    if (pending) {
      return { entry: await pending, fetched: false };
    }

    const request = fetch().then((issued) => this.#store(partition, normalized, issued));
    this.#pending.set(pendingKey, request);
    try {
      return { entry: await request, fetched: true };
    } finally {
      this.#pending.delete(pendingKey);
    }
  }

  /** Forgets `token`, after a registry rejected it. */
  drop(partition: string, token: string): void {
    const entries = this.#entries.get(partition);
    for (const [key, entry] of entries ?? []) {
      if (entry.token === token) {
        entries?.delete(key);
      }
    }
  }

  #store(partition: string, scopes: string[], issued: IssuedToken): CachedToken {
    const now = this.#now();
    // A token server may issue tokens that live less than a minute. A margin of a
    // quarter of the lifetime keeps such a token usable for most of it.
    const margin = Math.min(MAX_REFRESH_MARGIN_MS, issued.lifetimeMs / 4);
    const entry: CachedToken = { token: issued.token, scopes, refreshAt: now + issued.lifetimeMs - margin };

    const entries = this.#entries.get(partition) ?? new Map<string, CachedToken>();
    for (const [key, existing] of entries) {
      if (existing.refreshAt <= now) {
        entries.delete(key);
      }
    }
    entries.set(scopes.join(' '), entry);
    this.#entries.set(partition, entries);
    return entry;
  }
}
