import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const BIN = join(ROOT, 'src', 'cli', 'bin.ts');
const CATALOG = join(ROOT, 'test', 'fixtures', 'catalog');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tagkeeper tags …` as a child process, as a user's shell would. */
function tagkeeper(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [BIN, ...args], { cwd: ROOT, env: { ...process.env, TAGKEEPER_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

function json(run: Run): Record<string, unknown> {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'tagkeeper-cli-tags-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, text);
  return path;
}

// Each case starts a tsx process; on a loaded two-core machine one takes several seconds.
describe.concurrent('tagkeeper tags', { timeout: 90_000 }, () => {
  it('prints the default tag set of etcd 3.4.13 as JSON', async () => {
    const run = await tagkeeper(['tags', '--version', '3.4.13', '--distro', 'debian-10', '--revision', '8', '--json']);
    expect(json(run)).toEqual({
      version: '3.4.13',
      distro: 'debian-10',
      revision: 8,
      immutable: '3.4.13-debian-10-r8',
      rolling: ['latest', '3', '3-debian-10', '3.4.13'],
      skipped: [],
    });
  });

  it('prints a table without --json', async () => {
    const run = await tagkeeper(['tags', '--version', '3.4.13', '--distro', 'debian-10', '--revision', '8']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')).toEqual([
      '3.4.13 on debian-10, revision 8',
      '',
      'TAG                  LEVEL         ACTION  REASON',
      '3.4.13-debian-10-r8  immutable     create',
      'latest               latest        move',
      '3                    major         move',
      '3-debian-10          major-distro  move',
      '3.4.13               version       move',
      '',
    ]);
  });

  it('shows why a tag stays in the table', async () => {
    const existing = await file('backport.txt', '3.5.0-debian-10-r0\n');
    const run = await tagkeeper(['tags', '--version', '3.4.14', '--distro', 'debian-10', '--existing', existing]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('latest               latest        keep    3.5.0-debian-10-r0 is newer');
    expect(run.stdout).toContain('3.4.14               version       move');
  });

  it('reads tag and policy files', async () => {
    const run = await tagkeeper([
      'tags',
      '--version',
      '3.4.29',
      '--distro',
      'debian-12',
      '--existing',
      join(CATALOG, 'etcd.txt'),
      '--policy',
      join(CATALOG, 'etcd.policy.yaml'),
      '--json',
    ]);
    expect(json(run)).toEqual({
      version: '3.4.29',
      distro: 'debian-12',
      revision: 0,
      immutable: '3.4.29-debian-12-r0',
      rolling: ['3.4', '3.4-debian-12', '3.4.29', '3.4.29-debian-12'],
      skipped: [
        { tag: 'latest', reason: '3.4.29 is outside the latest branch 3.5' },
        { tag: '3', reason: '3.5.11-debian-12-r1 is newer' },
        { tag: '3-debian-12', reason: '3.5.11-debian-12-r1 is newer' },
      ],
    });
  });

  it('reads tags from standard input', async () => {
    const input = '# published\n3.4.13-debian-10-r8\n\n3.4.13-debian-10-r9  # rebuild\n';
    const run = await tagkeeper(['tags', '--version', '3.4.13', '--distro', 'debian-10', '--existing', '-', '--json'], input);
    expect(json(run)).toMatchObject({ revision: 10, immutable: '3.4.13-debian-10-r10' });
  });

  it('applies --default-distro', async () => {
    const run = await tagkeeper([
      'tags',
      '--version',
      '3.5.0',
      '--distro',
      'debian-11',
      '--default-distro',
      'debian-12',
      '--json',
    ]);
    const output = json(run);
    expect(output.rolling).toEqual(['3-debian-11']);
    expect(output.skipped).toEqual([
      { tag: 'latest', reason: 'debian-11 is not the default distro debian-12, and tags without a distro are for the default distro only' },
      { tag: '3', reason: 'debian-11 is not the default distro debian-12, and tags without a distro are for the default distro only' },
      { tag: '3.5.0', reason: 'debian-11 is not the default distro debian-12, and tags without a distro are for the default distro only' },
    ]);
  });

  it('prefers the policy default distro', async () => {
    const run = await tagkeeper([
      'tags',
      '--version',
      '3.5.12',
      '--distro',
      'debian-11',
      '--policy',
      join(CATALOG, 'etcd.policy.yaml'),
      '--json',
    ]);
    expect(json(run).rolling).toEqual(['3-debian-11', '3.5-debian-11', '3.5.12-debian-11']);
  });

  it('exits 2 when --existing holds another distro and no default distro is given', async () => {
    const existing = await file('two-distros.txt', '3.5.10-debian-12-r1\n3.5.9-photon-5-r0\nlatest\n');
    const run = await tagkeeper(['tags', '--version', '3.5.11', '--distro', 'photon-5', '--existing', existing]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `tagkeeper: error: the --existing list (${existing}) has immutable tags on debian-12, photon-5, so the distro that ` +
        'tags without a distro (such as latest) stand for is ambiguous; pass --default-distro or set defaultDistro in the policy\n',
    );
  });

  it.each([
    ['--default-distro', ['--default-distro', 'debian-12']],
    ['a policy default distro', ['--policy', join(CATALOG, 'etcd.policy.yaml')]],
  ])('takes the default distro from %s over --existing', async (_name, flags) => {
    const existing = await file(`two-distros-${flags[0]?.slice(2)}.txt`, '3.5.10-debian-12-r1\n3.5.9-photon-5-r0\n');
    const run = await tagkeeper(['tags', '--version', '3.5.11', '--distro', 'photon-5', '--existing', existing, ...flags, '--json']);
    const output = json(run);
    expect(output.rolling).toContain('3-photon-5');
    expect(output.rolling).not.toContain('latest');
    expect(output.rolling).not.toContain('3');
  });

  it('lets flags override the policy file', async () => {
    const run = await tagkeeper([
      'tags',
      '--version',
      '3.6.0',
      '--distro',
      'debian-12',
      '--policy',
      join(CATALOG, 'etcd.policy.yaml'),
      '--levels',
      'latest, major,minor',
      '--latest-branch',
      '3.6',
      '--json',
    ]);
    expect(json(run)).toMatchObject({ rolling: ['latest', '3', '3.6'], skipped: [] });
  });

  it.each([
    ['never', { rolling: ['3', '3-debian-12', '3.6.0'], skipped: [{ tag: 'latest', reason: 'policy.latest is "never"' }] }],
    ['always', { rolling: ['latest', '3', '3-debian-12', '3.6.0'], skipped: [] }],
  ])('applies --latest %s', async (latest, expected) => {
    const run = await tagkeeper(['tags', '--version', '3.6.0', '--distro', 'debian-12', '--latest', latest, '--json']);
    expect(json(run)).toMatchObject(expected);
  });

  it('maps build metadata by policy', async () => {
    const policy = await file('underscore.yaml', 'buildMetadata: underscore\n');
    const run = await tagkeeper(['tags', '--version', '17.0.9+9', '--distro', 'debian-12', '--policy', policy, '--json']);
    expect(json(run)).toMatchObject({ version: '17.0.9_9', immutable: '17.0.9_9-debian-12-r0' });
  });

  const usageErrors: Array<[string, string[], string]> = [
    ['a bad version', ['--version', 'x.y'], 'tagkeeper: error: invalid version "x.y": it must start with a digit'],
    [
      'an unknown level',
      ['--levels', 'latest,major,patch'],
      'tagkeeper: error: policy.levels[2]: unknown level "patch"; expected one of latest, major, major-distro, minor, minor-distro, version, version-distro',
    ],
    [
      'an unknown latest mode',
      ['--latest', 'sometimes'],
      'tagkeeper: error: policy.latest: unknown latest mode "sometimes"; expected one of auto, never, always',
    ],
    ['a bad latest branch', ['--latest-branch', 'main'], 'tagkeeper: error: policy.latestBranch: invalid value "main"'],
    ['a bad distro', ['--distro', 'bookworm'], 'tagkeeper: error: invalid distro "bookworm"'],
    ['a bad default distro', ['--default-distro', 'Debian'], 'tagkeeper: error: policy.defaultDistro: invalid value "Debian"'],
    ['a revision with an r', ['--revision', 'r8'], 'tagkeeper: error: invalid revision "r8": write the number without the "r", as in 8'],
    ['a revision that is not a number', ['--revision', 'abc'], 'tagkeeper: error: invalid revision "abc": expected a whole number from 0'],
    ['a revision with a leading zero', ['--revision', '08'], 'tagkeeper: error: revision "08" has a leading zero; write 8'],
    ['a revision beyond 2^53', ['--revision', '9007199254740993'], 'tagkeeper: error: invalid revision "9007199254740993"'],
    [
      'a tag longer than 128 characters',
      ['--version', `1.${'0'.repeat(114)}`],
      'more than the 128 that OCI allows',
    ],
    ['a missing tag list', ['--existing', '/nonexistent/tags.txt'], 'tagkeeper: error: cannot read --existing /nonexistent/tags.txt: file not found'],
    ['a folder as tag list', ['--existing', tmpdir()], `tagkeeper: error: cannot read --existing ${tmpdir()}: it is a folder, not a file`],
    [
      'a missing policy file',
      ['--policy', '/nonexistent/policy.yaml'],
      'tagkeeper: error: /nonexistent/policy.yaml: cannot read the tag policy: file not found',
    ],
  ];

  it.each(usageErrors)('exits 2 on %s with one line on stderr', async (_name, flags, message) => {
    const args = ['tags', '--version', '3.4.13', '--distro', 'debian-10', ...flags];
    const run = await tagkeeper(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });

  it('exits 2 on a bad tag list line', async () => {
    const existing = await file('bad-list.txt', '3.4.13-debian-10-r0\n3.4.13 latest\n');
    const run = await tagkeeper(['tags', '--version', '3.4.13', '--distro', 'debian-10', '--existing', existing]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`tagkeeper: error: ${existing}, line 2: invalid tag "3.4.13 latest": expected one OCI tag a line (letters, digits, "_", "." and "-", at most 128 characters)\n`);
  });

  it('exits 2 on a bad policy field', async () => {
    const policy = await file('bad-policy.yaml', 'levels: [latest, patch]\n');
    const run = await tagkeeper(['tags', '--version', '3.4.13', '--distro', 'debian-10', '--policy', policy]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`tagkeeper: error: ${policy}: policy.levels[1]: unknown level "patch"; expected one of latest, major, major-distro, minor, minor-distro, version, version-distro\n`);
  });

  it('exits 2 when --version is missing', async () => {
    const run = await tagkeeper(['tags', '--distro', 'debian-10']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("required option '--version <version>' not specified");
  });

  it('keeps tagkeeper --version working', async () => {
    const run = await tagkeeper(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
