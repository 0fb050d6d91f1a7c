import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildIndex, type BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage, skopeoDigest, skopeoListTags } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';

const TSX = path.resolve('node_modules/.bin/tsx');
const BIN = path.resolve('src/cli/bin.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let home: string;

/** Runs the CLI as a user would, with an empty home folder so no credential file takes part. */
function tagkeeper(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      TSX,
      [BIN, ...args],
      { env: { PATH: process.env.PATH, HOME: home, NODE_OPTIONS: '' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        let code = 0;
        if (error !== null) {
          code = typeof error.code === 'number' ? error.code : -1;
        }
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(stdin ?? '');
  });
}

/** Asserts a usage failure: exit code 2 and exactly one line on stderr that matches `message`. */
function expectUsageError(run: Run, message: RegExp): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

const registry = useDistribution();
let layout: string;
let single: BuiltImage;
let index: BuiltImage;

beforeAll(async () => {
  home = await makeTempDir('cli-home');
  layout = await makeTempDir('cli-layout');
  single = await buildImage(layout, 'single', { seed: 'cli-single' });
  index = await buildIndex(layout, 'index', [
    { seed: 'cli-index', platform: { os: 'linux', architecture: 'amd64' } },
    { seed: 'cli-index', platform: { os: 'linux', architecture: 'arm64' } },
  ]);
  await pushImage(single, registry(), 'cli/app:1.0.0');
  await pushImage(single, registry(), 'cli/app:1.0');
  await pushImage(index, registry(), 'cli/multi:2');
}, 120_000);

afterAll(async () => {
  await removeDir(layout);
  await removeDir(home);
});

describe('tagkeeper ls', () => {
  it('prints every tag, one a line', async () => {
    const run = await tagkeeper(['ls', `${registry().host}/cli/app`]);

    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toEqual(await skopeoListTags(`docker://${registry().host}/cli/app`));
    expect(run.stderr).toBe('');
  });

  it('prints JSON with --json', async () => {
    const run = await tagkeeper(['ls', '--json', `${registry().host}/cli/app`]);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      repository: `${registry().host}/cli/app`,
      tags: await skopeoListTags(`docker://${registry().host}/cli/app`),
      invalidTags: [],
    });
    expect(JSON.parse(run.stdout).tags).toHaveLength(2);
  });

  it('prints debug lines on stderr with --debug', async () => {
    const run = await tagkeeper(['ls', '--debug', `${registry().host}/cli/app`]);

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^tagkeeper: debug: .*GET .*\/v2\/cli\/app\/tags\/list/m);
  });

  it('exits 3 for a repository the registry does not know', async () => {
    const run = await tagkeeper(['ls', `${registry().host}/cli/missing`]);

    expect(run.code).toBe(3);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`tagkeeper: error: ${registry().host}/cli/missing not found`);
  });
});

describe('tagkeeper digest', () => {
  it('prints the digest a tag points to', async () => {
    const run = await tagkeeper(['digest', `${registry().host}/cli/multi:2`]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${index.digest}\n`);
  });

  it.each([
    ['linux/amd64', 0],
    ['linux/arm64/v8', 1],
  ])('prints the %s child with --platform', async (platform, position) => {
    const run = await tagkeeper(['digest', '--platform', platform, `${registry().host}/cli/multi:2`]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${index.platforms?.[position]?.digest}\n`);
  });

  it('prints reference, digest, media type and size with --json', async () => {
    const reference = `${registry().host}/cli/multi:2`;
    const run = await tagkeeper(['digest', '--json', reference]);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      reference,
      digest: index.digest,
      mediaType: index.mediaType,
      size: index.size,
    });
  });

  it('exits 2 listing the platforms on offer when none matches', async () => {
    const run = await tagkeeper(['digest', '--platform', 'windows/amd64', `${registry().host}/cli/multi:2`]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/available platforms: linux\/amd64, linux\/arm64\n$/);
  });
});

describe('tagkeeper copy', () => {
  it('copies an index to another repository and prints the destination', async () => {
    const run = await tagkeeper(['copy', `${registry().host}/cli/multi:2`, `${registry().host}/cli/mirror:2`]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${registry().host}/cli/mirror:2@${index.digest}\n`);
    expect(run.stderr).toMatch(/^tagkeeper: copied 3 manifest\(s\); blobs: 0 copied \(0 bytes\), \d+ mounted, 0 already present\n$/);
    expect(await skopeoDigest(`docker://${registry().host}/cli/mirror:2`)).toBe(index.digest);
  });

  it('prints the result as JSON with --json', async () => {
    const run = await tagkeeper(['copy', '--json', `${registry().host}/cli/app:1.0.0`, `${registry().host}/cli/json-copy`]);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      source: `${registry().host}/cli/app:1.0.0`,
      destination: `${registry().host}/cli/json-copy:1.0.0@${single.digest}`,
      digest: single.digest,
    });
  });
});

describe('tagkeeper tag', () => {
  it('adds a tag with the same digest', async () => {
    const run = await tagkeeper(['tag', `${registry().host}/cli/app:1.0.0`, 'latest']);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${registry().host}/cli/app:latest@${single.digest}\n`);
    expect(await skopeoDigest(`docker://${registry().host}/cli/app:latest`)).toBe(single.digest);
  });
});

describe('bad input', () => {
  it.each([
    [['ls', 'ghcr.io/Org/app'], /^tagkeeper: error: invalid reference "ghcr.io\/Org\/app": the repository must be lower-case/],
    [['ls', '127.0.0.1:5000/app:1'], /a repository takes no tag or digest/],
    [['digest', 'app:'], /^tagkeeper: error: invalid reference "app:": the tag after ":" is empty$/],
    [['digest', 'app@sha256:abc'], /invalid reference "app@sha256:abc": the digest "sha256:abc" has 3 hex characters; sha256 needs 64$/m],
    [['copy', 'app:1', 'other@md5:0123'], /invalid reference "other@md5:0123": unsupported digest algorithm "md5"; use sha256 or sha512$/m],
    [['tag', '127.0.0.1:5000/app:1', 'bad tag'], /invalid reference "127.0.0.1:5000\/app:bad tag": the tag "bad tag" is invalid/],
    [['digest', '--platform', 'linux', 'app:1'], /--platform: invalid platform "linux"/],
    [['ls', '--username', 'me', '127.0.0.1:5000/app'], /--username needs --password-stdin/],
    [['ls', '--password-stdin', '127.0.0.1:5000/app'], /--password-stdin needs --username/],
    [['ls', '--ca-file', '/nonexistent/ca.pem', '127.0.0.1:5000/app'], /--ca-file \/nonexistent\/ca.pem cannot be read: ENOENT/],
    [['ls', '--insecure', 'http://host/', '127.0.0.1:5000/app'], /--insecure "http:\/\/host\/" is not a registry host/],
    [['copy', '--concurrency', '0', 'a:1', 'b:1'], /--concurrency.*expected a whole number from 1 to 64/],
  ])('exits 2 with one line for %j', async (args, message) => {
    expectUsageError(await tagkeeper(args), message);
  });

  it('rejects a CA file without a certificate', async () => {
    const file = path.join(home, 'not-a-ca.pem');
    await writeFile(file, 'hello\n');
    expectUsageError(await tagkeeper(['ls', '--ca-file', file, `${registry().host}/cli/app`]), /contains no PEM certificate/);
  });
});

describe('registry credentials', () => {
  const secured = useDistribution({ auth: 'htpasswd' });

  beforeAll(async () => {
    await pushImage(single, secured(), 'private/app:1');
  }, 60_000);

  it('lists tags with --username and --password-stdin', async () => {
    const user = secured().users[0];
    const run = await tagkeeper(['ls', '--username', user?.username ?? '', '--password-stdin', `${secured().host}/private/app`], `${user?.password}\n`);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe('1\n');
  });

  it('exits 3 without credentials and names no secret', async () => {
    const run = await tagkeeper(['ls', `${secured().host}/private/app`]);

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^tagkeeper: error: GET .*\/v2\/private\/app\/tags\/list.* needs a login, but no credentials are stored for 127\.0\.0\.1:\d+; log in with "docker login 127\.0\.0\.1:\d+" or pass --username with --password-stdin\n$/);
    expect(run.stderr).not.toContain(secured().users[0]?.password ?? '-');
  });

  it('exits 3 for a wrong password without printing it', async () => {
    const run = await tagkeeper(['ls', '--username', 'tester', '--password-stdin', `${secured().host}/private/app`], 'wrong-secret-value\n');

    expect(run.code).toBe(3);
    expect(run.stderr).not.toContain('wrong-secret-value');
  });
});
