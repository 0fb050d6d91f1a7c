/**
 * Every CLI command run as a child process against CNCF Distribution with
 * htpasswd auth: with the right password, a wrong one, and each with
 * `--debug` and `TAGKEEPER_DEBUG=1`. Standard output and standard error
 * must never contain the password, in plain, base64, base64url or
 * URL-encoded form, nor the base64 `user:password` pair of a Basic header.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RegistryClient } from '../../src/registry/client.js';
import { publish } from '../../src/release/publish.js';
import { buildImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'src', 'cli', 'bin.ts');
const USER = { username: 'releaser', password: 'Zq8-very-secret-pw-7731' };
const WRONG_PASSWORD = 'Wrong-guess-pw-5512';
const PARALLEL_RUNS = 6;

const registry = useDistribution({ auth: 'htpasswd', users: [USER] });
let home: string;
let layout: string;

beforeAll(async () => {
  home = await makeTempDir('security-cli-home');
  layout = await makeTempDir('security-cli');
  const image = await buildImage(join(layout, 'oci'), 'app', { seed: 'cli-secrets' });
  await pushImage(image, registry(), 'staging/app:1', USER);
  const client = new RegistryClient({ credentials: { get: async () => ({ ...USER }) }, env: {} });
  try {
    await publish({ client, source: `${registry().host}/staging/app:1`, target: `${registry().host}/acme/released`, version: '1.0.0', distro: 'debian-12' });
  } finally {
    await client.close();
  }
  await writeFile(join(layout, 'values.yaml'), `image:\n  registry: ${registry().host}\n  repository: acme/released\n  tag: "1"\n`);
}, 120_000);

afterAll(async () => {
  await removeDir(home);
  await removeDir(layout);
});

/** Returns every form in which a secret could leak into text. */
function secretForms(password: string): string[] {
  const pair = `${USER.username}:${password}`;
  return [
    password,
    Buffer.from(password).toString('base64').replace(/=+$/, ''),
    Buffer.from(password).toString('base64url'),
    encodeURIComponent(password),
    Buffer.from(pair).toString('base64').replace(/=+$/, ''),
    Buffer.from(pair).toString('base64url'),
  ];
}

/** Returns the forms of `password` that `output` contains. */
function leakedForms(output: string, password: string): string[] {
  return secretForms(password).filter((form) => output.includes(form));
}

interface Run {
  code: number | null;
  output: string;
}

function tagkeeper(args: string[], password: string | undefined, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, HOME: home, DOCKER_CONFIG: home, XDG_RUNTIME_DIR: home, REGISTRY_AUTH_FILE: '', TAGKEEPER_DEBUG: '', ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(password === undefined ? '' : `${password}\n`);
  });
}

interface Command {
  name: string;
  args(variant: string): string[];
  /** False for commands that do not talk to a registry and take no credentials. */
  credentials: boolean;
  /** True for a command that reports a registry it cannot read as a failed check (exit 1), not a failure (exit 3). */
  failedCheck?: boolean;
}

const host = () => registry().host;

const COMMANDS: Command[] = [
  { name: 'ls', credentials: true, args: () => ['ls', `${host()}/staging/app`, '--json'] },
  { name: 'digest', credentials: true, args: () => ['digest', `${host()}/staging/app:1`] },
  { name: 'copy', credentials: true, args: (variant) => ['copy', `${host()}/staging/app:1`, `${host()}/acme/copied-${variant}:1`, '--json'] },
  { name: 'tag', credentials: true, args: () => ['tag', `${host()}/staging/app:1`, 'retagged', '--json'] },
  {
    name: 'publish',
    credentials: true,
    args: (variant) => ['publish', `${host()}/staging/app:1`, `${host()}/acme/published-${variant}`, '--version', '1.0.0', '--distro', 'debian-12', '--json'],
  },
  { name: 'resolve', credentials: true, args: () => ['resolve', `${host()}/acme/released:1`, '--json'] },
  { name: 'pin', credentials: true, args: () => ['pin', join(layout, 'values.yaml'), '--dry-run', '--json'] },
  { name: 'audit', credentials: true, args: () => ['audit', `${host()}/acme/released`, '--format', 'json'], failedCheck: true },
  { name: 'tags', credentials: false, args: () => ['tags', '--version', '1.0.0', '--distro', 'debian-12', '--json'] },
];

const VARIANTS = [
  { name: 'right', password: USER.password, debug: false },
  { name: 'right-debug', password: USER.password, debug: true },
  { name: 'wrong', password: WRONG_PASSWORD, debug: false },
  { name: 'wrong-debug', password: WRONG_PASSWORD, debug: true },
];

async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < items.length) {
      const index = nextIndex;
      nextIndex += 1;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe('secret scan', () => {
  const pair = `${USER.username}:${USER.password}`;

  it.each([
    { name: 'plain', line: `login failed for ${USER.password}` },
    { name: 'Basic header', line: `authorization: Basic ${Buffer.from(pair).toString('base64')}` },
    { name: 'base64', line: `secret=${Buffer.from(USER.password).toString('base64')}` },
    { name: 'base64url', line: `t=${Buffer.from(USER.password).toString('base64url')}` },
    { name: 'URL-encoded', line: `https://r.example/?p=${encodeURIComponent(USER.password)}` },
  ])('finds a $name password', ({ line }) => {
    expect(leakedForms(`tagkeeper: debug: ${line}\n`, USER.password)).not.toEqual([]);
  });

  it('finds nothing in masked output', () => {
    expect(leakedForms('tagkeeper: debug: #1 GET http://127.0.0.1:5000/v2/ -> 401 (Basic ***)\n', USER.password)).toEqual([]);
  });
});

describe('CLI output with credentials', () => {
  it(
    'no command prints a password in any form',
    async () => {
      const runs = VARIANTS.flatMap((variant) => COMMANDS.map((command) => ({ variant, command })));
      const results = await mapLimited(runs, PARALLEL_RUNS, async ({ variant, command }) => {
        const flags = command.credentials ? ['--username', USER.username, '--password-stdin', ...(variant.debug ? ['--debug'] : [])] : [];
        const env = variant.debug ? { TAGKEEPER_DEBUG: '1' } : {};
        const run = await tagkeeper([...command.args(variant.name), ...flags], command.credentials ? variant.password : undefined, env);
        return { variant, command, run };
      });

      for (const { variant, command, run } of results) {
        const label = `${command.name} with the ${variant.name} password`;
        expect([...leakedForms(run.output, USER.password), ...leakedForms(run.output, WRONG_PASSWORD)], `${label}:\n${run.output}`).toEqual([]);
        if (!command.credentials || variant.password === USER.password) {
          expect(run.code, `${label}:\n${run.output}`).toBe(0);
        } else {
          expect(run.code, `${label}:\n${run.output}`).toBe(command.failedCheck ? 1 : 3);
          expect(run.output, label).toMatch(command.failedCheck ? /returned HTTP 401/ : /tagkeeper: error: .*returned HTTP 401/);
        }
        if (variant.debug && command.credentials) {
          // The debug lines were really printed, so the scan above covered them.
          expect(run.output, label).toContain('tagkeeper: debug: #1 GET');
        }
      }
    },
    300_000,
  );
});
