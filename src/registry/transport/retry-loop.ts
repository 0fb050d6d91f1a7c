import type { RegistryResponse } from '../transport-types.js';
import { discardBody, isRetryableStatus } from './response-error.js';
import { backoffDelay, decideStatusRetry, sleep } from './retry.js';
import type { RetrySettings } from './retry.js';
import { ExchangeFailure } from './send.js';

/**
 * Runs `attempt`, and runs it again after a retryable status (429, 502,
 * 503, 504, and 500 for GET and HEAD) or a retryable network failure while
 * attempts remain and `allowed` is true. Returns the last response, whatever its status, and
 * throws the typed error of the last failure when no response arrived.
 * Each repeated attempt gets a note for its debug line, such as
 * `retry 1 of 3 after HTTP 503, waited 120 ms`.
 */
export async function withRetries(
  settings: RetrySettings,
  allowed: boolean,
  signal: AbortSignal | undefined,
  attempt: (note: string | undefined) => Promise<RegistryResponse>,
): Promise<RegistryResponse> {
  const { maxAttempts } = settings;
  let note: string | undefined;

  for (let attemptNumber = 1; ; attemptNumber += 1) {
    const canRetry = allowed && attemptNumber < maxAttempts;
    const retryNote = (cause: string, delayMs: number): string =>
      `retry ${attemptNumber} of ${maxAttempts - 1} after ${cause}, waited ${delayMs} ms`;

    let response: RegistryResponse;
    try {
      response = await attempt(note);
    } catch (error) {
      if (!(error instanceof ExchangeFailure)) {
        throw error;
      }
      if (!canRetry || !error.retryable) {
        throw error.error;
      }
      const delayMs = backoffDelay(attemptNumber, settings);
      note = retryNote(error.failureCode, delayMs);
      await sleep(delayMs, signal);
      continue;
    }

    if (!canRetry || !isRetryableStatus(response.status, response.method)) {
      return response;
    }
    const decision = decideStatusRetry(response.status, response.headers, attemptNumber, settings);
    if (!decision.retry) {
      return response;
    }
    await discardBody(response);
    note = retryNote(decision.note, decision.delayMs);
    await sleep(decision.delayMs, signal);
  }
}
