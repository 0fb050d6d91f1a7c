/**
 * `tagkeeper publish`, `tagkeeper resolve` and `examples/release.sh` run as
 * child processes against CNCF Distribution, as a user's shell would.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, type BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage, registryTarget, skopeoDigest, skopeoListTags } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const BIN = join(ROOT, 'src', 'cli', 'bin.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `file args` in the repository root and collects its output. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: ROOT, env: { ...process.env, TAGKEEPER_DEBUG: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

function tagkeeper(...args: string[]): Promise<Run> {
  return run(TSX, [BIN, ...args]);
}

const registry = useDistribution();
let layout: string;
const images: Record<string, BuiltImage> = {};

beforeAll(async () => {
  layout = await makeTempDir('cli-publish');
  for (const name of ['first', 'second', 'gate', 'json', 'dry', 'script', 'policy', 'nope', 'photon']) {
    images[name] = await buildImage(layout, name, { seed: `cli-${name}` });
    await pushImage(images[name] as BuiltImage, registry(), `staging/app:${name}`);
  }
}, 120_000);

afterAll(async () => {
  await removeDir(layout);
});

const staging = (name: string) => `${registry().host}/staging/app:${name}`;
const repo = (name: string) => `${registry().host}/acme/${name}`;
const tags = async (name: string) => (await skopeoListTags(`docker://${repo(name)}`, registryTarget(registry()))).sort();

// Each case starts tsx processes, which take several seconds each on a loaded two-core machine.
describe('tagkeeper publish', { timeout: 120_000 }, () => {
  it('prints the plan and the result, then a re-run has nothing to do', async () => {
    const first = await tagkeeper('publish', staging('first'), repo('human'), '--version', '1.2.3', '--distro', 'debian-12');

    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`release 1.2.3 on debian-12 into ${repo('human')}`);
    expect(first.stdout).toMatch(/1\.2\.3-debian-12-r0 +create/);
    expect(first.stdout).toContain(`published 1.2.3-debian-12-r0 (${images.first?.digest}): 5 tags written`);
    expect(first.stderr).toContain(`copying ${registry().host}/staging/app@${images.first?.digest} into ${repo('human')}`);
    expect(first.stderr).toContain('read back 5 tags: all point to the image');
    expect(await tags('human')).toEqual(['1', '1-debian-12', '1.2.3', '1.2.3-debian-12-r0', 'latest']);

    const again = await tagkeeper('publish', staging('first'), repo('human'), '--version', '1.2.3', '--distro', 'debian-12');

    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to do: 1.2.3-debian-12-r0 and its rolling tags already point to');
    expect(again.stderr).toBe('');
  });

  it('prints the documented JSON shape', async () => {
    await tagkeeper('publish', staging('first'), repo('json'), '--version', '1.0.0', '--distro', 'debian-12');

    const result = await tagkeeper('publish', staging('json'), repo('json'), '--version', '1.0.1', '--distro', 'debian-12', '--json');

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const output = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(output)).toEqual(['digest', 'immutable', 'revision', 'operations']);
    expect(output).toEqual({
      digest: images.json?.digest,
      immutable: '1.0.1-debian-12-r0',
      revision: 0,
      operations: [
        { tag: '1.0.1-debian-12-r0', action: 'create', from: null, to: images.json?.digest, reason: 'first revision of 1.0.1 on debian-12' },
        { tag: '1.0.1', action: 'create', from: null, to: images.json?.digest, reason: 'new version tag' },
        { tag: '1-debian-12', action: 'move', from: images.first?.digest, to: images.json?.digest, reason: 'this release is the newest in the scope of 1-debian-12' },
        { tag: '1', action: 'move', from: images.first?.digest, to: images.json?.digest, reason: 'this release is the newest in the scope of 1' },
        { tag: 'latest', action: 'move', from: images.first?.digest, to: images.json?.digest, reason: 'this release is the newest in the scope of latest' },
      ],
    });
  });

  it('changes nothing on --dry-run', async () => {
    await tagkeeper('publish', staging('first'), repo('dry'), '--version', '1.0.0', '--distro', 'debian-12');
    const before = await tags('dry');
    const latestBefore = await skopeoDigest(`docker://${repo('dry')}:latest`, registryTarget(registry()));

    const result = await tagkeeper('publish', staging('dry'), repo('dry'), '--version', '2.0.0', '--distro', 'debian-12', '--dry-run', '--json');

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ immutable: '2.0.0-debian-12-r0', revision: 0 });
    expect(await tags('dry')).toEqual(before);
    expect(await skopeoDigest(`docker://${repo('dry')}:latest`, registryTarget(registry()))).toBe(latestBefore);
  });

  it('prints a dry run as a copy that would happen', async () => {
    const result = await tagkeeper('publish', staging('dry'), repo('dry-text'), '--version', '2.0.0', '--distro', 'debian-12', '--dry-run');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`image ${images.dry?.digest}, from ${staging('dry')} (would be copied)\n`);
    expect(result.stdout).not.toContain('copied from');
    expect(result.stdout).toContain('dry run: nothing was copied or written');
  });

  it('exits 2 before any write on a second distro without a default distro', async () => {
    await tagkeeper('publish', staging('first'), repo('distros'), '--version', '3.5.10', '--distro', 'debian-12');
    const before = await tags('distros');
    const latestBefore = await skopeoDigest(`docker://${repo('distros')}:latest`, registryTarget(registry()));

    const result = await tagkeeper('publish', staging('photon'), repo('distros'), '--version', '3.5.9', '--distro', 'photon-5');

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `tagkeeper: error: ${repo('distros')} has immutable tags on debian-12, and this release is on photon-5, so the distro ` +
        'that tags without a distro (such as latest) stand for is ambiguous; pass --default-distro or set defaultDistro in the policy\n',
    );
    expect(await tags('distros')).toEqual(before);
    expect(await skopeoDigest(`docker://${repo('distros')}:latest`, registryTarget(registry()))).toBe(latestBefore);

    const named = await tagkeeper('publish', staging('photon'), repo('distros'), '--version', '3.5.9', '--distro', 'photon-5', '--default-distro', 'debian-12');

    expect(named.code).toBe(0);
    expect(await tags('distros')).toEqual([...before, '3-photon-5', '3.5.9-photon-5-r0'].sort());
    expect(await skopeoDigest(`docker://${repo('distros')}:latest`, registryTarget(registry()))).toBe(latestBefore);
  });

  it('prints the plan and the error as JSON when the gate fails', async () => {
    const result = await tagkeeper(
      'publish', staging('gate'), repo('gate-json'), '--version', '1.0.0', '--distro', 'debian-12', '--json', '--verify', 'exit 7',
    );

    expect(result.code).toBe(1);
    const output = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(output)).toEqual(['digest', 'immutable', 'revision', 'operations', 'written', 'error']);
    expect(output).toMatchObject({ digest: images.gate?.digest, immutable: '1.0.0-debian-12-r0', revision: 0, written: [] });
    expect(output.error).toEqual({ code: 'VERIFY_FAILED', message: expect.stringContaining('release gate "exit 7" exited with status 7') });
    expect(result.stderr).toContain('tagkeeper: error: release gate "exit 7"');
  });

  it('prints the error as JSON on a conflict of a given revision', async () => {
    await tagkeeper('publish', staging('first'), repo('conflict-json'), '--version', '1.0.0', '--distro', 'debian-12');

    const result = await tagkeeper(
      'publish', staging('second'), repo('conflict-json'), '--version', '1.0.0', '--distro', 'debian-12', '--revision', '0', '--json',
    );

    expect(result.code).toBe(3);
    const output = JSON.parse(result.stdout) as { written: string[]; error: { code: string; message: string } };
    expect(output.written).toEqual([]);
    expect(output.error.code).toBe('IMMUTABLE_TAG_CONFLICT');
    expect(output.error.message).toContain('drop --revision (or pass --revision auto)');
  });

  it('reads the tag policy from a file', async () => {
    const policy = join(layout, 'policy.yaml');
    await writeFile(policy, 'levels: [latest, major, minor, version-distro]\ndefaultDistro: debian-12\n');

    const result = await tagkeeper('publish', staging('policy'), repo('policy'), '--version', '4.1.0', '--distro', 'debian-12', '--policy', policy);

    expect(result.code).toBe(0);
    expect(await tags('policy')).toEqual(['4', '4.1', '4.1.0-debian-12', '4.1.0-debian-12-r0', 'latest']);
  });

  it('exits 1 and writes no tag when the release gate fails', async () => {
    const result = await tagkeeper(
      'publish', staging('gate'), repo('gate'), '--version', '1.0.0', '--distro', 'debian-12',
      '--verify', 'echo "checking $TAGKEEPER_IMMUTABLE_TAG"; exit 5',
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('checking 1.0.0-debian-12-r0');
    expect(result.stderr).toContain('tagkeeper: error: release gate "echo');
    expect(result.stderr).toContain('exited with status 5');
    const listing = await run('skopeo', ['--insecure-policy', 'list-tags', '--tls-verify=false', `docker://${repo('gate')}`]);
    expect(listing.stdout).not.toContain('1.0.0');
  });

  it('exits 3 naming the tag and digests on an immutable tag conflict', async () => {
    await tagkeeper('publish', staging('first'), repo('conflict'), '--version', '1.0.0', '--distro', 'debian-12');

    const result = await tagkeeper('publish', staging('second'), repo('conflict'), '--version', '1.0.0', '--distro', 'debian-12', '--revision', '0');

    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`immutable tag ${repo('conflict')}:1.0.0-debian-12-r0 already points to ${images.first?.digest}`);
    expect(result.stderr).toContain(`not ${images.second?.digest}`);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 3 for a source that does not exist', async () => {
    const result = await tagkeeper('publish', `${registry().host}/staging/app:missing`, repo('missing'), '--version', '1.0.0', '--distro', 'debian-12');

    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`tagkeeper: error: source image ${registry().host}/staging/app:missing not found; check the staging tag or digest and that it was pushed\n`);
  });

  it.each([
    { name: 'invalid version', args: ['--version', '3.x', '--distro', 'debian-12'], message: 'invalid version "3.x"' },
    { name: 'invalid distro', args: ['--version', '1.0.0', '--distro', 'Debian'], message: 'invalid distro "Debian"' },
    { name: 'invalid revision', args: ['--version', '1.0.0', '--distro', 'debian-12', '--revision', 'next'], message: 'invalid revision "next"' },
    { name: 'revision with a leading zero', args: ['--version', '1.0.0', '--distro', 'debian-12', '--revision', '08'], message: 'revision "08" has a leading zero; write 8' },
    { name: 'invalid gate time-out', args: ['--version', '1.0.0', '--distro', 'debian-12', '--verify', 'true', '--verify-timeout', '0'], message: 'invalid --verify-timeout' },
    { name: 'missing version', args: ['--distro', 'debian-12'], message: "required option '--version <version>' not specified" },
    { name: 'missing policy file', args: ['--version', '1.0.0', '--distro', 'debian-12', '--policy', '/nonexistent/policy.yaml'], message: 'file not found' },
  ])('exits 2 on $name', async ({ args, message }) => {
    const result = await tagkeeper('publish', staging('nope'), repo('nope'), ...args);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });

  it('exits 2 on a target repository with a tag', async () => {
    const result = await tagkeeper('publish', staging('nope'), `${repo('nope')}:1`, '--version', '1.0.0', '--distro', 'debian-12');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('a repository takes no tag or digest');
    expect(await run('skopeo', ['--insecure-policy', 'list-tags', '--tls-verify=false', `docker://${repo('nope')}`]).then((listing) => listing.code)).not.toBe(0);
  });
});

describe('tagkeeper resolve', { timeout: 120_000 }, () => {
  it('prints digests and immutable tags as JSON, warning about tags without a twin', async () => {
    await tagkeeper('publish', staging('first'), repo('resolve'), '--version', '2.3.4', '--distro', 'debian-12');
    await pushImage(images.second as BuiltImage, registry(), 'acme/resolve:edge');

    const result = await tagkeeper('resolve', `${repo('resolve')}:2`, `${repo('resolve')}:2.3.4-debian-12-r0`, `${repo('resolve')}:edge`, '--json');

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { reference: `${repo('resolve')}:2`, digest: images.first?.digest, mediaType: images.first?.mediaType, immutableTags: ['2.3.4-debian-12-r0'] },
      { reference: `${repo('resolve')}:2.3.4-debian-12-r0`, digest: images.first?.digest, mediaType: images.first?.mediaType, immutableTags: ['2.3.4-debian-12-r0'] },
      { reference: `${repo('resolve')}:edge`, digest: images.second?.digest, mediaType: images.second?.mediaType, immutableTags: [] },
    ]);
    expect(result.stderr).toContain('tagkeeper: warning: edge is not a tag of the scheme');
  });

  it('lists the immutable tags of a digest reference', async () => {
    await tagkeeper('publish', staging('first'), repo('resolve-digest'), '--version', '2.3.4', '--distro', 'debian-12');
    await tagkeeper('publish', staging('second'), repo('resolve-digest'), '--version', '2.3.5', '--distro', 'debian-12');
    await pushImage(images.json as BuiltImage, registry(), 'acme/resolve-digest:edge');
    const reference = `${repo('resolve-digest')}@${images.first?.digest}`;

    const result = await tagkeeper('resolve', reference, `${repo('resolve-digest')}@${images.json?.digest}`, '--json');

    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as Array<{ reference: string; immutableTags: string[] }>;
    expect(output.map((entry) => entry.immutableTags)).toEqual([['2.3.4-debian-12-r0'], []]);
    expect(result.stderr).toContain(`tagkeeper: warning: none of the 2 immutable tags of ${repo('resolve-digest')} points to ${images.json?.digest}`);
  });

  it('prints a table and exits 2 on a bad reference or platform', async () => {
    await tagkeeper('publish', staging('first'), repo('resolve-table'), '--version', '2.3.4', '--distro', 'debian-12');

    const table = await tagkeeper('resolve', `${repo('resolve-table')}:latest`);
    const badReference = await tagkeeper('resolve', `${repo('resolve-table')}:`);
    const badPlatform = await tagkeeper('resolve', `${repo('resolve-table')}:latest`, '--platform', 'linux');

    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^REFERENCE +DIGEST +IMMUTABLE TAG\\n${repo('resolve-table')}:latest +${images.first?.digest} +2\\.3\\.4-debian-12-r0\\n$`));
    expect(badReference.code).toBe(2);
    expect(badReference.stderr).toContain('invalid reference');
    expect(badPlatform.code).toBe(2);
    expect(badPlatform.stderr).toContain('invalid platform');
  });
});

describe('examples/release.sh', { timeout: 180_000 }, () => {
  it('releases a build, and a second run writes nothing', async () => {
    const env = { TAGKEEPER: `${TSX} ${BIN}`, VERIFY_COMMAND: 'test -n "$TAGKEEPER_REFERENCE"' };
    const script = join(ROOT, 'examples', 'release.sh');

    const first = await run(script, [staging('script'), repo('script'), '3.5.10', 'debian-12'], env);
    const second = await run(script, [staging('script'), repo('script'), '3.5.10', 'debian-12'], env);

    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`${repo('script')}:3.5.10-debian-12-r0@${images.script?.digest}\n`);
    expect(first.stderr).toContain('== 3.5.10-debian-12-r0: 5 tags written');
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain('== 3.5.10-debian-12-r0: 0 tags written');
    expect(await tags('script')).toEqual(['3', '3-debian-12', '3.5.10', '3.5.10-debian-12-r0', 'latest']);
  });

  it('prints its usage and exits 2 without arguments', async () => {
    const result = await run(join(ROOT, 'examples', 'release.sh'), []);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: examples/release.sh SOURCE TARGET_REPO VERSION DISTRO');
  });
});
