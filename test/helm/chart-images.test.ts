import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidChartError, pinValues } from '../../src/helm/index.js';
import { FakeResolver, fakeDigest } from './support/fake-resolver.js';

const PG = fakeDigest('pg-16.1.0-r15');
const EXPORTER = fakeDigest('exporter-0.15.0-r2');

function resolver(): FakeResolver {
  return new FakeResolver({
    'docker.io/bitnami/postgresql': { '16': PG, '16.1.0-debian-11-r15': PG },
    'docker.io/bitnami/postgres-exporter': { '0.15.0': EXPORTER, '0.15.0-debian-11-r2': EXPORTER },
  });
}

const VALUES = [
  'image:',
  '  registry: docker.io',
  '  repository: bitnami/postgresql',
  '  tag: "16"',
  'metrics:',
  '  image:',
  '    registry: docker.io',
  '    repository: bitnami/postgres-exporter',
  '    tag: 0.15.0',
  '',
].join('\n');

const CHART = [
  'apiVersion: v2',
  'name: postgresql',
  'version: 13.2.24',
  'appVersion: 16.1.0',
  'annotations:',
  '  category: Database',
  '  # images shipped with this chart',
  '  images: |',
  '    - name: os-shell',
  '      image: docker.io/bitnami/os-shell:11-debian-11-r91',
  '    - name: postgres-exporter',
  '      image: docker.io/bitnami/postgres-exporter:0.15.0',
  '',
  '    - name: postgresql',
  '      image: docker.io/bitnami/postgresql:16',
  '  licenses: Apache-2.0',
  '  artifacthub.io/images: |-',
  '    - name: postgresql',
  '      image: "docker.io/bitnami/postgresql:16"',
  'dependencies:',
  '  - name: common',
  '    repository: oci://registry-1.docker.io/bitnamicharts',
  '    version: 2.x.x',
  '',
].join('\n');

let chart: string;

beforeEach(async () => {
  chart = await mkdtemp(join(tmpdir(), 'tagkeeper-chart-'));
  await writeFile(join(chart, 'values.yaml'), VALUES);
});

afterEach(async () => {
  await rm(chart, { recursive: true, force: true });
});

describe('pinValues with a chart folder', () => {
  it('updates both images annotations and nothing else', async () => {
    await writeFile(join(chart, 'Chart.yaml'), CHART);

    const result = await pinValues([join(chart, 'values.yaml')], { resolver: resolver(), chartDir: chart, mode: 'tag' });

    const expected = CHART.replace(
      '      image: docker.io/bitnami/postgres-exporter:0.15.0\n',
      '      image: docker.io/bitnami/postgres-exporter:0.15.0-debian-11-r2\n',
    )
      .replace('      image: docker.io/bitnami/postgresql:16\n', '      image: docker.io/bitnami/postgresql:16.1.0-debian-11-r15\n')
      .replace('      image: "docker.io/bitnami/postgresql:16"\n', '      image: "docker.io/bitnami/postgresql:16.1.0-debian-11-r15"\n');
    expect(await readFile(join(chart, 'Chart.yaml'), 'utf8')).toBe(expected);
    expect(result.chart?.written).toBe(true);
    expect(result.chart?.entries).toEqual([
      { annotation: 'images', name: 'os-shell', old: 'docker.io/bitnami/os-shell:11-debian-11-r91', reason: 'no pinned image in the values has this repository' },
      { annotation: 'images', name: 'postgres-exporter', old: 'docker.io/bitnami/postgres-exporter:0.15.0', new: 'docker.io/bitnami/postgres-exporter:0.15.0-debian-11-r2' },
      { annotation: 'images', name: 'postgresql', old: 'docker.io/bitnami/postgresql:16', new: 'docker.io/bitnami/postgresql:16.1.0-debian-11-r15' },
      { annotation: 'artifacthub.io/images', name: 'postgresql', old: 'docker.io/bitnami/postgresql:16', new: 'docker.io/bitnami/postgresql:16.1.0-debian-11-r15' },
    ]);
  });

  it('writes digests in both modes and keeps CRLF line breaks', async () => {
    const crlf = CHART.replace(/\n/g, '\r\n');
    await writeFile(join(chart, 'Chart.yaml'), crlf);

    await pinValues([join(chart, 'values.yaml')], { resolver: resolver(), chartDir: chart, mode: 'both' });

    const text = await readFile(join(chart, 'Chart.yaml'), 'utf8');
    expect(text).toContain(`      image: docker.io/bitnami/postgresql:16.1.0-debian-11-r15@${PG}\r\n`);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(text.split('\r\n').length).toBe(crlf.split('\r\n').length);
  });

  it('changes no file when write is false and returns the diff', async () => {
    await writeFile(join(chart, 'Chart.yaml'), CHART);

    const result = await pinValues([join(chart, 'values.yaml')], { resolver: resolver(), chartDir: chart, write: false });

    expect(await readFile(join(chart, 'Chart.yaml'), 'utf8')).toBe(CHART);
    expect(result.chart?.diff).toContain('+      image: docker.io/bitnami/postgresql:16.1.0-debian-11-r15\n');
  });

  it('notes a chart without an images annotation', async () => {
    await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: app\nversion: 1.0.0\n');

    const result = await pinValues([join(chart, 'values.yaml')], { resolver: resolver(), chartDir: chart });

    expect(result.chart?.changed).toBe(false);
    expect(result.chart?.note).toBe('Chart.yaml has no annotations, so no images list was updated');
  });

  it('notes an images annotation that is not a literal block', async () => {
    await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nannotations:\n  images: "- name: a\\n  image: docker.io/bitnami/postgresql:16"\n');

    const result = await pinValues([join(chart, 'values.yaml')], { resolver: resolver(), chartDir: chart });

    expect(result.chart?.changed).toBe(false);
    expect(result.chart?.note).toContain('the images annotation is not a | block');
  });

  it('rejects a missing Chart.yaml before writing the values', async () => {
    const error = await pinValues([join(chart, 'values.yaml')], { resolver: resolver(), chartDir: join(chart, 'absent') }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(InvalidChartError);
    expect((error as Error).message).toBe(`invalid chart ${join(chart, 'absent', 'Chart.yaml')}: the file does not exist; no file was changed`);
    expect(await readFile(join(chart, 'values.yaml'), 'utf8')).toBe(VALUES);
  });

  it('names Chart.yaml and one position for invalid YAML', async () => {
    const text = 'apiVersion: v2\nannotations:\n[images\n';
    await writeFile(join(chart, 'Chart.yaml'), text);

    const error = await pinValues([join(chart, 'values.yaml')], { resolver: resolver(), chartDir: chart }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvalidChartError);
    expect(error).toMatchObject({ line: 3, column: 1, path: join(chart, 'Chart.yaml') });
    expect((error as Error).message).toBe(
      `invalid chart ${join(chart, 'Chart.yaml')}:3:1: Implicit keys need to be on a single line; no file was changed`,
    );
    expect(await readFile(join(chart, 'Chart.yaml'), 'utf8')).toBe(text);
    expect(await readFile(join(chart, 'values.yaml'), 'utf8')).toBe(VALUES);
  });

  it('rejects an images annotation that is not a list', async () => {
    await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nannotations:\n  images: |\n    name: a\n');

    const error = await pinValues([join(chart, 'values.yaml')], { resolver: resolver(), chartDir: chart }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvalidChartError);
    expect(await readFile(join(chart, 'values.yaml'), 'utf8')).toBe(VALUES);
  });
});
