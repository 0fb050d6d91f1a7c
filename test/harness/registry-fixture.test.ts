import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { useDistribution } from '../support/registry-fixture.js';

describe('useDistribution', () => {
  const registry = useDistribution({ auth: 'htpasswd', users: [{ username: 'fixture', password: 'fixture-pass' }] });

  let readBeforeStart: unknown;
  try {
    registry();
  } catch (error) {
    readBeforeStart = error;
  }

  it('rejects reads before beforeAll has run', () => {
    expect(readBeforeStart).toMatchObject({ code: 'REGISTRY_NOT_RUNNING', name: 'RegistryNotRunningError' });
  });

  it('returns the registry started with the options', () => {
    expect(registry().auth).toBe('htpasswd');
    expect(registry().users).toEqual([{ username: 'fixture', password: 'fixture-pass' }]);
    expect(existsSync(registry().storage)).toBe(true);
  });

  it('returns the same registry to every test', () => {
    expect(registry()).toBe(registry());
  });
});
