import { describe, expect, it } from 'vitest';

import { DEFAULT_RETRY, backoffDelay, decideStatusRetry, mayRetry, parseRetryAfter, sleep } from '../../../src/registry/transport/retry.js';
import type { RegistryRequest } from '../../../src/registry/transport-types.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  const cases = [
    { value: '5', expected: 5000 },
    { value: ' 0 ', expected: 0 },
    { value: ['2', '9'], expected: 2000 },
    { value: 'Wed, 01 May 2024 12:00:30 GMT', expected: 30_000 },
    { value: 'Wed, 01 May 2024 11:00:00 GMT', expected: 0 },
    { value: '-1', expected: undefined },
    { value: '1.5', expected: undefined },
    { value: 'soon', expected: undefined },
    { value: '', expected: undefined },
    { value: undefined, expected: undefined },
  ];

  it.each(cases)('reads $value as $expected ms', ({ value, expected }) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('backoffDelay', () => {
  const settings = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };

  it.each([
    { retry: 1, ceiling: 100 },
    { retry: 2, ceiling: 200 },
    { retry: 3, ceiling: 400 },
    { retry: 5, ceiling: 1000 },
    { retry: 30, ceiling: 1000 },
  ])('draws retry $retry from 0 up to $ceiling ms', ({ retry, ceiling }) => {
    expect(backoffDelay(retry, settings, () => 0)).toBe(0);
    expect(backoffDelay(retry, settings, () => 0.999999)).toBe(ceiling - 1);
    expect(backoffDelay(retry, settings, () => 0.5)).toBe(Math.floor(ceiling / 2));
  });
});

describe('decideStatusRetry', () => {
  const settings = { ...DEFAULT_RETRY, maxRetryAfterMs: 10_000 };

  it('waits the Retry-After of a 429', () => {
    expect(decideStatusRetry(429, { 'retry-after': '3' }, 1, settings)).toEqual({ retry: true, delayMs: 3000, note: 'HTTP 429' });
  });

  it('backs off without Retry-After', () => {
    expect(decideStatusRetry(503, {}, 2, settings, () => 0.5)).toEqual({ retry: true, delayMs: 200, note: 'HTTP 503' });
  });

  it('stops when Retry-After exceeds the limit', () => {
    const decision = decideStatusRetry(429, { 'retry-after': '11' }, 1, settings);

    expect(decision.retry).toBe(false);
    expect(decision.note).toContain('11 s');
  });
});

describe('mayRetry', () => {
  const cases: Array<{ request: RegistryRequest; replayable: boolean; expected: boolean }> = [
    { request: { method: 'GET', url: '/' }, replayable: true, expected: true },
    { request: { method: 'HEAD', url: '/' }, replayable: true, expected: true },
    { request: { method: 'PUT', url: '/' }, replayable: true, expected: true },
    { request: { method: 'DELETE', url: '/' }, replayable: true, expected: true },
    { request: { method: 'PUT', url: '/', idempotent: false }, replayable: true, expected: false },
    { request: { method: 'POST', url: '/' }, replayable: true, expected: false },
    { request: { method: 'POST', url: '/', idempotent: true }, replayable: true, expected: false },
    { request: { method: 'PATCH', url: '/', idempotent: true }, replayable: true, expected: false },
    { request: { method: 'PUT', url: '/' }, replayable: false, expected: false },
  ];

  it.each(cases)('$request.method idempotent=$request.idempotent replayable=$replayable: $expected', ({ request, replayable, expected }) => {
    expect(mayRetry(request, replayable)).toBe(expected);
  });
});

describe('sleep', () => {
  it('rejects with the abort reason', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('stopped by caller'));

    await expect(waiting).rejects.toThrow('stopped by caller');
  });
});
