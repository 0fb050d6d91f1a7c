import { describe, expect, it } from 'vitest';
import { pinValuesText, type PinMode } from '../../src/helm/index.js';
import { fixtureResolver, readFixture } from './support/fixtures.js';

/** Every fixture and the modes it has an expected file for (`NAME.MODE.expected.yaml`). */
const CASES: Array<[string, PinMode]> = [
  ['bitnami-chart', 'tag'],
  ['bitnami-chart', 'digest'],
  ['bitnami-chart', 'both'],
  ['multi-document', 'tag'],
  ['multi-document', 'both'],
  ['anchors', 'tag'],
  ['anchors', 'both'],
  ['global-registry', 'tag'],
  ['global-registry', 'both'],
  ['subchart', 'tag'],
  ['subchart', 'both'],
  ['strings', 'tag'],
  ['strings', 'digest'],
  ['strings', 'both'],
  ['crlf', 'tag'],
  ['crlf', 'both'],
];

describe('pinValuesText on fixtures with a fake resolver', () => {
  it.each(CASES)('%s in %s mode matches the expected file byte for byte', async (name, mode) => {
    const input = await readFixture(`${name}.yaml`);
    const expected = await readFixture(`${name}.${mode}.expected.yaml`);
    const resolver = await fixtureResolver();

    const result = await pinValuesText(input, `${name}.yaml`, { resolver, mode });

    expect(result.text).toBe(expected);
  });

  it.each(CASES)('%s in %s mode is pinned when run again', async (name, mode) => {
    const expected = await readFixture(`${name}.${mode}.expected.yaml`);
    const resolver = await fixtureResolver();

    const again = await pinValuesText(expected, `${name}.yaml`, { resolver, mode });

    expect(again.text).toBe(expected);
    expect(again.images.filter((image) => image.status === 'changed')).toEqual([]);
  });

  it('reports every image of the Bitnami-style chart with its path and status', async () => {
    const resolver = await fixtureResolver();
    const result = await pinValuesText(await readFixture('bitnami-chart.yaml'), 'values.yaml', { resolver, mode: 'tag' });

    const summary = result.images.map((image) => [image.path, image.status]);
    expect(summary).toEqual([
      ['image', 'changed'],
      ['volumePermissions.image', 'pinned'],
      ['defaultInitContainers.volumePermissions.image', 'changed'],
      ['metrics.image', 'changed'],
      ['metrics.jmx.image', 'changed'],
      ['sysctlImage', 'changed'],
      ['clientImage', 'skipped'],
      ['operator.postgresqlImage', 'changed'],
      ['operator.kubectlImage', 'changed'],
      ['git', 'changed'],
      ['hubble.ui.frontend.image', 'changed'],
      ['hubble.ui.backend.image', 'changed'],
      ['pgpool.image', 'changed'],
      ['cache.image', 'pinned'],
      ['proxy.image', 'skipped'],
      ['', 'skipped'],
    ]);
    expect(result.images.find((image) => image.path === 'clientImage')?.reason).toMatch(/appVersion/);
    expect(result.images.find((image) => image.path === 'proxy.image')?.reason).toMatch(/template/);
    expect(result.images.at(-1)).toMatchObject({ shape: 'comment', line: 211, old: 'repository: bitnami/postgresql; tag: 15' });
  });

  it('lists the value changes of an image with their lines', async () => {
    const resolver = await fixtureResolver();
    const result = await pinValuesText(await readFixture('bitnami-chart.yaml'), 'values.yaml', { resolver, mode: 'both' });

    const jmx = result.images.find((image) => image.path === 'metrics.jmx.image');
    expect(jmx?.changes).toEqual([
      { path: 'metrics.jmx.image.tag', line: 118, old: '0.20.0', new: '0.20.0-debian-11-r3' },
      { path: 'metrics.jmx.image.digest', line: 119, old: undefined, new: jmx?.digest },
    ]);
  });

  it('resolves against the global registry for blocks with a registry key only', async () => {
    const resolver = await fixtureResolver();
    await pinValuesText(await readFixture('global-registry.yaml'), 'values.yaml', { resolver, mode: 'tag' });

    expect(resolver.calls.map((call) => call.reference).sort()).toEqual([
      'docker.io/bitnami/os-shell:11',
      'ghcr.io/acme/worker:2.1',
      'registry.example.com/bitnami/os-shell:11',
      'registry.example.com/bitnami/postgres-exporter:0.15.0',
      'registry.example.com/bitnami/postgresql:16',
    ]);
  });

  it('reports images reused by an alias on the anchored image', async () => {
    const resolver = await fixtureResolver();
    const result = await pinValuesText(await readFixture('anchors.yaml'), 'values.yaml', { resolver, mode: 'tag' });

    expect(result.images.find((image) => image.path === 'shell')?.aliases).toEqual(['volumePermissions.image']);
    expect(result.images.find((image) => image.path === 'jobs.migrate.image')?.status).toBe('changed');
  });

  it('reports images that share an anchored tag needing different values', async () => {
    const resolver = await fixtureResolver();
    const result = await pinValuesText(await readFixture('anchors.yaml'), 'values.yaml', { resolver, mode: 'tag' });

    for (const path of ['hubble.ui.image', 'hubble.backend.image']) {
      const image = result.images.find((candidate) => candidate.path === path);
      expect(image?.status).toBe('unpinned');
      expect(image?.reason).toMatch(/shared \(through an anchor or merge\)/);
      expect(image?.new).toBeUndefined();
    }
  });
});
