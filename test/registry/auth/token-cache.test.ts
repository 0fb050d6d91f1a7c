import { describe, expect, it } from 'vitest';

import { TokenCache } from '../../../src/registry/auth/token-cache.js';
import type { IssuedToken } from '../../../src/registry/auth/token-cache.js';

/** Creates a clock that the test moves by hand. */
function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let current = start;
  return { now: () => current, advance: (ms) => (current += ms) };
}

function issuer(tokens: string[], lifetimeMs = 300_000): { fetch: () => Promise<IssuedToken>; count: () => number } {
  let calls = 0;
  return {
    fetch: async () => {
      const token = tokens[calls] ?? `token-${calls}`;
      calls += 1;
      return { token, lifetimeMs };
    },
    count: () => calls,
  };
}

describe('TokenCache', () => {
  it('reuses a token for the same scopes', async () => {
    const cache = new TokenCache(manualClock().now);
    const source = issuer(['t1']);

    const first = await cache.obtain('p', ['repository:a:pull'], source.fetch);
    const second = await cache.obtain('p', ['repository:a:pull'], source.fetch);

    expect(first).toEqual({ entry: expect.objectContaining({ token: 't1' }), fetched: true });
    expect(second).toEqual({ entry: expect.objectContaining({ token: 't1' }), fetched: false });
    expect(source.count()).toBe(1);
  });

  it('shares one fetch among concurrent requests', async () => {
    const cache = new TokenCache(manualClock().now);
    const source = issuer(['t1']);

    const results = await Promise.all(
      Array.from({ length: 10 }, () => cache.obtain('p', ['repository:a:pull'], source.fetch)),
    );

    expect(source.count()).toBe(1);
    expect(new Set(results.map((result) => result.entry.token))).toEqual(new Set(['t1']));
    expect(results.filter((result) => result.fetched)).toHaveLength(1);
  });

  it('serves pull from a pull,push token', async () => {
    const cache = new TokenCache(manualClock().now);
    const source = issuer(['push-token', 'other']);

    await cache.obtain('p', ['repository:a:pull,push'], source.fetch);
    const pull = await cache.obtain('p', ['repository:a:pull'], source.fetch);

    expect(pull.entry.token).toBe('push-token');
    expect(source.count()).toBe(1);
  });

  it('fetches again for wider scopes', async () => {
    const cache = new TokenCache(manualClock().now);
    const source = issuer(['pull-token', 'push-token']);

    await cache.obtain('p', ['repository:a:pull'], source.fetch);
    const push = await cache.obtain('p', ['repository:a:pull,push'], source.fetch);

    expect(push.entry.token).toBe('push-token');
    expect(source.count()).toBe(2);
  });

  it('keeps partitions apart', async () => {
    const cache = new TokenCache(manualClock().now);
    const source = issuer(['one', 'two']);

    await cache.obtain('registry-a', ['repository:x:pull'], source.fetch);
    const other = await cache.obtain('registry-b', ['repository:x:pull'], source.fetch);

    expect(other.entry.token).toBe('two');
  });

  const lifetimes = [
    { lifetimeMs: 300_000, usableUntilMs: 290_000 },
    { lifetimeMs: 60_000, usableUntilMs: 50_000 },
    { lifetimeMs: 20_000, usableUntilMs: 15_000 },
    { lifetimeMs: 4_000, usableUntilMs: 3_000 },
  ];

  it.each(lifetimes)('refreshes a $lifetimeMs ms token after $usableUntilMs ms', async ({ lifetimeMs, usableUntilMs }) => {
    const clock = manualClock();
    const cache = new TokenCache(clock.now);
    const source = issuer(['old', 'new'], lifetimeMs);

    await cache.obtain('p', ['repository:a:pull'], source.fetch);
    clock.advance(usableUntilMs - 1);
    const before = await cache.obtain('p', ['repository:a:pull'], source.fetch);
    clock.advance(1);
    const after = await cache.obtain('p', ['repository:a:pull'], source.fetch);

    expect(before.entry.token).toBe('old');
    expect(after.entry.token).toBe('new');
  });

  it('forgets a dropped token', async () => {
    const cache = new TokenCache(manualClock().now);
    const source = issuer(['rejected', 'fresh']);

    await cache.obtain('p', ['repository:a:pull'], source.fetch);
    cache.drop('p', 'rejected');
    const next = await cache.obtain('p', ['repository:a:pull'], source.fetch);

    expect(next.entry.token).toBe('fresh');
  });

  it('lets the next caller retry after a failed fetch', async () => {
    const cache = new TokenCache(manualClock().now);
    let attempts = 0;
    const flaky = async (): Promise<IssuedToken> => {
      attempts += 1;
      if (attempts === 1) {
        throw new Error('token server down');
      }
      return { token: 'recovered', lifetimeMs: 60_000 };
    };

    await expect(cache.obtain('p', ['repository:a:pull'], flaky)).rejects.toThrow('token server down');
    const next = await cache.obtain('p', ['repository:a:pull'], flaky);

    expect(next.entry.token).toBe('recovered');
  });
});
