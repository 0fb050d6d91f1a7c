import type { RegistryRequest } from '../transport-types.js';
import { Header } from '../wire.js';

/** Retry limits, in attempts and milliseconds. */
export interface RetrySettings {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff ceiling of the first retry; it doubles with each further retry. */
  baseDelayMs: number;
  /** Largest backoff between two attempts. */
  maxDelayMs: number;
  /** Largest `Retry-After` honoured; a registry asking for a longer wait gets its 429 returned at once. */
  maxRetryAfterMs: number;
}

/** Defaults: 4 attempts, waits drawn from 0-200 ms, 0-400 ms, 0-800 ms, at most 10 s each, `Retry-After` up to 60 s. */
export const DEFAULT_RETRY: RetrySettings = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
};

/**
 * Returns true when the transport may send `request` again after a
 * retryable failure. POST and PATCH are never sent twice: a second POST opens
 * a second upload, a second PATCH appends the chunk twice. A stream body can
 * be read only once. Other methods follow `request.idempotent`, which
 * defaults to true for GET, HEAD, PUT and DELETE (RFC 9110, section 9.2.2).
 */
export function mayRetry(request: RegistryRequest, replayableBody: boolean): boolean {
  if (request.method === 'POST' || request.method === 'PATCH' || !replayableBody) {
    return false;
  }
  return request.idempotent ?? true;
}

/**
 * Returns the wait before retry number `retry` (1 for the first retry):
 * "full jitter" backoff, a uniform draw from 0 up to
 * `min(maxDelayMs, baseDelayMs * 2^(retry - 1))`, so many clients that
 * failed together do not retry together.
 */
export function backoffDelay(retry: number, settings: RetrySettings, random: () => number = Math.random): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Parses a `Retry-After` value (RFC 9110, section 10.2.3): delay seconds or an
 * HTTP-date. Returns milliseconds from `now`, 0 for a date in the past, and
 * undefined for a missing or invalid value.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') {
    return undefined;
  }

  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }

  // An HTTP-date names its weekday and month; without letters `Date.parse` would read "-1" as a year.
  const date = /[A-Za-z]/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) {
    return undefined;
  }
  return Math.max(0, date - now);
}

/** The decision after a retryable status: wait `delayMs`, or stop with the reason. */
export type RetryDecision = { retry: true; delayMs: number; note: string } | { retry: false; note: string };

/**
 * Decides whether to retry after a retryable status. A `Retry-After` header
 * (sent with 429 and 503) sets the wait; without it the wait is
 * {@link backoffDelay}.
 */
export function decideStatusRetry(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  retry: number,
  settings: RetrySettings,
  random?: () => number,
): RetryDecision {
  const retryAfter = parseRetryAfter(headers[Header.retryAfter]);
  if (retryAfter !== undefined && retryAfter > settings.maxRetryAfterMs) {
    return {
      retry: false,
      note: `HTTP ${status} asks to wait ${Math.ceil(retryAfter / 1000)} s, longer than the ${settings.maxRetryAfterMs / 1000} s limit`,
    };
  }

  const delayMs = retryAfter ?? backoffDelay(retry, settings, random);
  return { retry: true, delayMs, note: `HTTP ${status}` };
}

/** Waits `ms` milliseconds, or rejects with the abort reason when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) {
    return Promise.reject(signal.reason as Error);
  }

  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
