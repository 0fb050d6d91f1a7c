import { describe, expect, it } from 'vitest';

import { impliedDefaultDistro, parseTagPolicy, publishedDistros } from '../../src/scheme/index.js';

describe('publishedDistros', () => {
  it('lists immutable tag distros once, sorted', () => {
    const published = ['3.5.1-photon-5-r0', 'latest', '3.5.1-debian-12-r1', '3.5.1-debian-12-r0', 'sha256-abc.sig', '3-debian-12'];

    expect(publishedDistros(published)).toEqual(['debian-12', 'photon-5']);
  });

  it('returns none for a repository without builds', () => {
    expect(publishedDistros(['latest', '3'])).toEqual([]);
  });
});

describe('impliedDefaultDistro', () => {
  const withoutDefault = parseTagPolicy({});

  it.each([
    [['debian-12'], 'debian-12'],
    [['debian-12', 'debian-12'], 'debian-12'],
    [['debian-12', 'photon-5'], undefined],
    [[], undefined],
  ])('implies from %j: %s', (distros, expected) => {
    expect(impliedDefaultDistro(withoutDefault, distros)).toBe(expected);
  });

  it('keeps the policy default over the distros', () => {
    const policy = parseTagPolicy({ defaultDistro: 'ol-9' });

    expect(impliedDefaultDistro(policy, ['debian-12', 'photon-5'])).toBe('ol-9');
  });
});
