import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { useDistribution } from '../support/registry-fixture.js';
import { seedRegistry, type SeededRegistry } from './support/seed-registry.js';

const TSX = resolve('node_modules/.bin/tsx');
const BIN = resolve('src/cli/bin.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const registry = useDistribution();
let folder: string;
let seeded: SeededRegistry;

/** Runs `tagkeeper pin` as a user would, with an empty home folder so no credential file takes part. */
function pin(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(TSX, [BIN, 'pin', ...args], { env: { PATH: process.env.PATH, HOME: folder, NODE_OPTIONS: '' }, timeout: 60_000 }, (error, stdout, stderr) => {
      let code = 0;
      if (error !== null) code = typeof error.code === 'number' ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

function values(host: string): string {
  return [
    '# application values',
    'image:',
    `  registry: ${host}`,
    '  repository: bitnami/postgresql',
    '  tag: "16"',
    '  digest: ""',
    'metrics:',
    `  image: ${host}/bitnami/postgres-exporter:0.15.0`,
    '',
  ].join('\n');
}

async function writeValues(name: string, text: string): Promise<string> {
  const file = join(folder, name);
  await writeFile(file, text);
  return file;
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'tagkeeper-pin-cli-'));
  seeded = await seedRegistry(registry().host, join(folder, 'layout'), {
    'bitnami/postgresql': { '16': 'pg-16.1.0-r15', '16.1.0-debian-11-r15': 'pg-16.1.0-r15', '16.1.0-debian-11-r14': 'pg-16.1.0-r14' },
    'bitnami/postgres-exporter': { '0.15.0': 'exporter-0.15.0-r2', '0.15.0-debian-11-r2': 'exporter-0.15.0-r2' },
  });
}, 120_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

// Each run starts tsx in a child process, which takes seconds on a busy machine.
describe('tagkeeper pin', { timeout: 120_000 }, () => {
  it('pins a values file in place and prints a table', async () => {
    const host = registry().host;
    const file = await writeValues('in-place.yaml', values(host));

    const run = await pin([file]);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(await readFile(file, 'utf8')).toBe(
      values(host).replace('tag: "16"', 'tag: "16.1.0-debian-11-r15"').replace('postgres-exporter:0.15.0', 'postgres-exporter:0.15.0-debian-11-r2'),
    );
    expect(run.stdout).toMatch(/^LOCATION\s+PATH\s+STATUS\s+DETAIL\n/);
    expect(run.stdout).toContain(`${file}:2`);
    expect(run.stdout).toMatch(/metrics\.image\s+pinned now\s+/);
    expect(run.stdout).toMatch(/2 images: 2 pinned in 1 file, 0 already pinned, 0 cannot be pinned, 0 skipped\n$/);
  });

  it('checks without writing and exits 1 when an image is not pinned', async () => {
    const host = registry().host;
    const file = await writeValues('check.yaml', values(host));

    const unpinned = await pin(['--check', file]);
    expect(unpinned.code).toBe(1);
    expect(await readFile(file, 'utf8')).toBe(values(host));
    expect(unpinned.stdout).toMatch(/image\s+to pin\s+/);

    await pin([file]);
    const pinned = await pin(['--check', file]);
    expect(pinned.code).toBe(0);
    expect(pinned.stdout).toMatch(/2 images: 0 to pin in 0 files, 2 already pinned/);
  });

  it('prints a unified diff in a dry run and changes nothing', async () => {
    const host = registry().host;
    const file = await writeValues('dry.yaml', values(host));

    const run = await pin(['--dry-run', '--mode', 'both', file]);

    expect(run.code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(values(host));
    const digest = seeded.digests.get('pg-16.1.0-r15');
    expect(run.stdout).toBe(
      [
        `--- ${file}`,
        `+++ ${file}`,
        '@@ -2,7 +2,7 @@',
        ' image:',
        `   registry: ${host}`,
        '   repository: bitnami/postgresql',
        '-  tag: "16"',
        '-  digest: ""',
        '+  tag: "16.1.0-debian-11-r15"',
        `+  digest: "${digest}"`,
        ' metrics:',
        `-  image: ${host}/bitnami/postgres-exporter:0.15.0`,
        `+  image: ${host}/bitnami/postgres-exporter:0.15.0-debian-11-r2@${seeded.digests.get('exporter-0.15.0-r2')}`,
        '',
      ].join('\n'),
    );
    expect(run.stderr).toMatch(/2 images: 2 to pin in 1 file/);
  });

  it('lists every image as JSON', async () => {
    const host = registry().host;
    const file = await writeValues('json.yaml', `${values(host)}proxy:\n  image:\n    repository: bitnami/nginx\n    tag: "{{ .Chart.AppVersion }}"\n`);

    const run = await pin(['--json', '--check', file]);

    expect(run.code).toBe(1);
    const output = JSON.parse(run.stdout) as { pinned: boolean; images: Array<Record<string, unknown>>; files: unknown[] };
    expect(output.pinned).toBe(false);
    expect(output.files).toEqual([{ file, changed: true, written: false }]);
    expect(output.images.map((image) => [image.path, image.status, image.old, image.new, image.reason])).toEqual([
      ['image', 'changed', `${host}/bitnami/postgresql:16`, `${host}/bitnami/postgresql:16.1.0-debian-11-r15`, undefined],
      ['metrics.image', 'changed', `${host}/bitnami/postgres-exporter:0.15.0`, `${host}/bitnami/postgres-exporter:0.15.0-debian-11-r2`, undefined],
      ['proxy.image', 'skipped', 'bitnami/nginx:{{ .Chart.AppVersion }}', undefined, 'the value {{ .Chart.AppVersion }} is a template that Helm renders; pin the values it reads instead'],
    ]);
    expect(output.images[0]).toMatchObject({ file, document: 0, line: 2, shape: 'block', changes: [{ path: 'image.tag', line: 5, old: '16', new: '16.1.0-debian-11-r15' }] });
  });

  it('pins a chart folder and its images annotation', async () => {
    const host = registry().host;
    const chart = join(folder, 'chart');
    await mkdir(chart, { recursive: true });
    await writeFile(join(chart, 'values.yaml'), values(host));
    const chartYaml = `apiVersion: v2\nname: app\nversion: 1.0.0\nannotations:\n  images: |\n    - name: postgresql\n      image: ${host}/bitnami/postgresql:16\n`;
    await writeFile(join(chart, 'Chart.yaml'), chartYaml);

    const run = await pin(['--chart', chart]);

    expect(run.code).toBe(0);
    expect(await readFile(join(chart, 'Chart.yaml'), 'utf8')).toBe(chartYaml.replace('postgresql:16\n', 'postgresql:16.1.0-debian-11-r15\n'));
    expect(await readFile(join(chart, 'values.yaml'), 'utf8')).toContain('tag: "16.1.0-debian-11-r15"');
  });
});

describe('tagkeeper pin bad input', { timeout: 120_000 }, () => {
  it('exits 2 naming the file and line of unparseable YAML', async () => {
    const text = 'image:\n  tag: "16\n';
    const file = await writeValues('broken.yaml', text);

    const run = await pin([file]);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`tagkeeper: error: invalid values file ${file}:3:1: Missing closing "quote; the file was not changed\n`);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('exits 3 naming an image that does not exist and its path', async () => {
    const host = registry().host;
    const text = `sidecar:\n  image: ${host}/bitnami/absent:1\n`;
    const file = await writeValues('absent.yaml', text);

    const run = await pin([file]);

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`^tagkeeper: error: cannot resolve ${host}/bitnami/absent:1 \\(at ${file}:2 sidecar\\.image\\): .+; no file was changed\\n$`));
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('exits 3 with one clause for a registry that is not running', async () => {
    const stopped = `127.0.0.1:${await freePort()}`;
    const text = [`image:\n  image: ${stopped}/seed/app:3.5`, `metrics:\n  image: ${stopped}/rel/web:latest`, `init:\n  image: ${stopped}/seed/tool:1`, ''].join('\n');
    const file = await writeValues('unreachable.yaml', text);

    const run = await pin([file]);

    expect(run.code).toBe(3);
    expect(run.stderr).toBe(`tagkeeper: error: cannot reach ${stopped} (connection refused) for 3 images (first: ${file}:2 image.image); no file was changed\n`);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('exits 2 naming Chart.yaml once for invalid chart YAML', async () => {
    const chart = join(folder, 'broken-chart');
    await mkdir(chart, { recursive: true });
    await writeFile(join(chart, 'values.yaml'), values(registry().host));
    await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nannotations: [images\n');

    const run = await pin(['--chart', chart]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^tagkeeper: error: invalid chart ${join(chart, 'Chart.yaml')}:\\d+:\\d+: [^:;]+; no file was changed\\n$`));
    expect(run.stderr).not.toContain('values file');
  });

  it('exits 2 for an invalid platform', async () => {
    const file = await writeValues('platform.yaml', values(registry().host));

    const run = await pin(['--platform', 'linux', file]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--platform');
  });

  it('exits 2 without files or chart', async () => {
    const run = await pin([]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe('tagkeeper: error: name at least one values file, or a chart folder with --chart DIR\n');
  });

  it('exits 2 for an unknown mode', async () => {
    const run = await pin(['--mode', 'latest', 'values.yaml']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("argument 'latest' is invalid");
  });
});
