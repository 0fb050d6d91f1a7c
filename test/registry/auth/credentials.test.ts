import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CredentialFileError } from '../../../src/registry/auth/auth-file.js';
import { CredentialHelperError } from '../../../src/registry/auth/credential-helper.js';
import { credentialFilePaths, loadCredentialStore } from '../../../src/registry/auth/credentials.js';

let root: string;
let home: string;
let bin: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tagkeeper-credentials-'));
  home = join(root, 'home');
  bin = join(root, 'bin');
  await mkdir(home, { recursive: true });
  await mkdir(bin, { recursive: true });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writeJson(path: string, content: unknown): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function dockerConfig(): string {
  return join(home, '.docker', 'config.json');
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

/** Writes `docker-credential-NAME` into the temp PATH folder: a shell script with the given body. */
async function writeHelper(name: string, body: string): Promise<void> {
  const path = join(bin, `docker-credential-${name}`);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
}

/** Environment with only the temp PATH folder and the tools a shell script needs. */
function helperEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: `${bin}:/usr/bin:/bin`, HELPER_LOG: join(root, 'helper.log'), ...extra };
}

/**
 * The fake helper: logs the server URL it got on stdin, returns a password
 * for ghcr.io, an identity token for Docker Hub, and "not found" otherwise.
 */
const TEST_HELPER = `
read -r server
printf '%s\\n' "$server" >> "$HELPER_LOG"
case "$server" in
  ghcr.io) echo '{"ServerURL":"ghcr.io","Username":"helper-user","Secret":"helper-secret"}' ;;
  https://index.docker.io/v1/) echo '{"ServerURL":"https://index.docker.io/v1/","Username":"<token>","Secret":"identity-from-helper"}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac`;

describe('loadCredentialStore with Docker config.json', () => {
  it('reads auth, username and password, and tokens', async () => {
    await writeJson(dockerConfig(), {
      auths: {
        'ghcr.io': { auth: base64('octo:ghp-secret:with-colon') },
        'quay.io': { username: 'robot', password: 'quay-pass' },
        'registry.example.com': { identitytoken: 'refresh-abc' },
        'gcr.example.com': { registrytoken: 'registry-token-xyz' },
      },
    });
    const store = loadCredentialStore({ homeDir: home, env: {} });

    expect(await store.get('ghcr.io')).toEqual({ username: 'octo', password: 'ghp-secret:with-colon' });
    expect(await store.get('quay.io')).toEqual({ username: 'robot', password: 'quay-pass' });
    expect(await store.get('registry.example.com')).toEqual({ identityToken: 'refresh-abc' });
    expect(await store.get('gcr.example.com')).toEqual({ registryToken: 'registry-token-xyz' });
    expect(await store.get('other.example.com')).toBeUndefined();
  });

  const hubKeys = ['https://index.docker.io/v1/', 'docker.io', 'registry-1.docker.io', 'index.docker.io', 'https://index.docker.io/v1'];

  it.each(hubKeys)('finds Docker Hub credentials stored under %s', async (key) => {
    await writeJson(dockerConfig(), { auths: { [key]: { auth: base64('hubuser:hubpass') } } });
    const store = loadCredentialStore({ homeDir: home, env: {} });

    for (const registry of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      expect(await store.get(registry)).toEqual({ username: 'hubuser', password: 'hubpass' });
    }
  });

  it('matches keys with a scheme or a path by host', async () => {
    await writeJson(dockerConfig(), {
      auths: {
        'https://ghcr.io': { auth: base64('a:ghcr') },
        'quay.io/org': { auth: base64('b:org') },
        'quay.io/org/team': { auth: base64('c:team') },
        'http://127.0.0.1:5000/v2/': { auth: base64('d:local') },
      },
    });
    const store = loadCredentialStore({ homeDir: home, env: {} });

    expect(await store.get('ghcr.io')).toEqual({ username: 'a', password: 'ghcr' });
    expect(await store.get('quay.io')).toEqual({ username: 'b', password: 'org' });
    expect(await store.get('quay.io', 'org/app')).toEqual({ username: 'b', password: 'org' });
    expect(await store.get('quay.io', 'org/team/app')).toEqual({ username: 'c', password: 'team' });
    expect(await store.get('quay.io', 'other/app')).toBeUndefined();
    expect(await store.get('127.0.0.1:5000')).toEqual({ username: 'd', password: 'local' });
  });

  it('prefers a key for the whole registry when the repository is unknown', async () => {
    await writeJson(dockerConfig(), { auths: { 'quay.io/org': { auth: base64('b:org') }, 'quay.io': { auth: base64('a:all') } } });
    const store = loadCredentialStore({ homeDir: home, env: {} });

    expect(await store.get('quay.io')).toEqual({ username: 'a', password: 'all' });
    expect(await store.get('quay.io', 'org/app')).toEqual({ username: 'b', password: 'org' });
  });

  it('reads $DOCKER_CONFIG/config.json', async () => {
    const folder = join(root, 'custom-docker');
    await writeJson(join(folder, 'config.json'), { auths: { 'ghcr.io': { auth: base64('custom:pass') } } });
    await writeJson(dockerConfig(), { auths: { 'ghcr.io': { auth: base64('default:pass') } } });
    const store = loadCredentialStore({ homeDir: home, env: { DOCKER_CONFIG: folder } });

    expect(await store.get('ghcr.io')).toEqual({ username: 'custom', password: 'pass' });
  });

  it('ignores an entry left empty by credsStore', async () => {
    await writeJson(dockerConfig(), { auths: { 'ghcr.io': {} } });
    const store = loadCredentialStore({ homeDir: home, env: {} });

    expect(await store.get('ghcr.io')).toBeUndefined();
  });

  it('names the file when it is not JSON', async () => {
    const path = await writeJson(dockerConfig(), '{ "auths": ');
    const store = loadCredentialStore({ homeDir: home, env: {} });

    const failure = await store.get('ghcr.io').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CredentialFileError);
    expect((failure as CredentialFileError).code).toBe('INVALID_CREDENTIAL_FILE');
    expect((failure as Error).message).toContain(path);
  });

  it.each([
    { name: 'not base64', auth: '%%%not-base64%%%' },
    { name: 'base64 without a colon', auth: base64('no-colon-here') },
  ])('rejects an auth field that is $name without printing it', async ({ auth }) => {
    await writeJson(dockerConfig(), { auths: { 'ghcr.io': { auth } } });
    const store = loadCredentialStore({ homeDir: home, env: {} });

    const failure = await store.get('ghcr.io').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CredentialFileError);
    expect((failure as Error).message).toContain('"ghcr.io"');
    expect((failure as Error).message).not.toContain(auth);
  });

  it('returns undefined when no file exists', async () => {
    const store = loadCredentialStore({ homeDir: home, env: {} });

    expect(await store.get('ghcr.io')).toBeUndefined();
  });
});

describe('credential precedence', () => {
  const files = {
    registryAuthFile: () => join(root, 'registry-auth.json'),
    runtime: () => join(root, 'run', 'containers', 'auth.json'),
    podmanConfig: () => join(home, '.config', 'containers', 'auth.json'),
    docker: () => dockerConfig(),
  };

  async function writeAll(): Promise<void> {
    for (const [name, path] of Object.entries(files)) {
      await writeJson(path(), { auths: { 'ghcr.io': { auth: base64(`${name}:pass`) } } });
    }
  }

  it('takes explicit credentials first', async () => {
    await writeAll();
    const store = loadCredentialStore({
      homeDir: home,
      env: { REGISTRY_AUTH_FILE: files.registryAuthFile(), XDG_RUNTIME_DIR: join(root, 'run') },
      explicit: { 'https://ghcr.io': { username: 'explicit', password: 'pass' } },
    });

    expect(await store.get('ghcr.io')).toEqual({ username: 'explicit', password: 'pass' });
  });

  it('takes $REGISTRY_AUTH_FILE before Docker and skips the Podman defaults', async () => {
    await writeAll();
    await writeJson(files.registryAuthFile(), { auths: { 'quay.io': { auth: base64('only:quay') } } });
    const store = loadCredentialStore({ homeDir: home, env: { REGISTRY_AUTH_FILE: files.registryAuthFile(), XDG_RUNTIME_DIR: join(root, 'run') } });

    expect(await store.get('quay.io')).toEqual({ username: 'only', password: 'quay' });
    expect(await store.get('ghcr.io')).toEqual({ username: 'docker', password: 'pass' });
  });

  it('takes the Podman runtime file, then ~/.config, then Docker', async () => {
    await writeAll();
    const withRuntime = loadCredentialStore({ homeDir: home, env: { XDG_RUNTIME_DIR: join(root, 'run') } });
    const withoutRuntime = loadCredentialStore({ homeDir: home, env: {} });

    expect(await withRuntime.get('ghcr.io')).toEqual({ username: 'runtime', password: 'pass' });
    expect(await withoutRuntime.get('ghcr.io')).toEqual({ username: 'podmanConfig', password: 'pass' });
  });

  it('lists the files in search order', () => {
    expect(credentialFilePaths({ XDG_RUNTIME_DIR: '/run/user/1000', DOCKER_CONFIG: '/etc/docker-config' }, '/home/u')).toEqual([
      '/run/user/1000/containers/auth.json',
      '/home/u/.config/containers/auth.json',
      '/etc/docker-config/config.json',
    ]);
    expect(credentialFilePaths({ REGISTRY_AUTH_FILE: '/tmp/auth.json' }, '/home/u')).toEqual(['/tmp/auth.json', '/home/u/.docker/config.json']);
  });
});

describe('credential helpers', () => {
  it('runs the credHelpers entry with the server URL on stdin', async () => {
    await writeHelper('test', TEST_HELPER);
    await writeJson(dockerConfig(), { credHelpers: { 'ghcr.io': 'test' }, auths: { 'ghcr.io': { auth: base64('file:ignored') } } });
    const store = loadCredentialStore({ homeDir: home, env: helperEnv() });

    expect(await store.get('ghcr.io')).toEqual({ username: 'helper-user', password: 'helper-secret' });
    expect(await readFile(join(root, 'helper.log'), 'utf8')).toBe('ghcr.io\n');
  });

  it('reads <token> as an identity token', async () => {
    await writeHelper('test', TEST_HELPER);
    await writeJson(dockerConfig(), { credsStore: 'test' });
    const store = loadCredentialStore({ homeDir: home, env: helperEnv() });

    expect(await store.get('docker.io')).toEqual({ identityToken: 'identity-from-helper' });
  });

  it.each(['docker.io', 'registry-1.docker.io'])('passes %s to helpers as the v1 URL', async (registry) => {
    await writeHelper('test', TEST_HELPER);
    await writeJson(dockerConfig(), { credsStore: 'test' });
    const store = loadCredentialStore({ homeDir: home, env: helperEnv() });

    await store.get(registry);

    expect(await readFile(join(root, 'helper.log'), 'utf8')).toBe('https://index.docker.io/v1/\n');
  });

  it('falls back to auths when credsStore has nothing for the registry', async () => {
    await writeHelper('test', TEST_HELPER);
    await writeJson(dockerConfig(), { credsStore: 'test', auths: { 'quay.io': { auth: base64('fallback:pass') } } });
    const store = loadCredentialStore({ homeDir: home, env: helperEnv() });

    expect(await store.get('quay.io')).toEqual({ username: 'fallback', password: 'pass' });
    expect(await store.get('unknown.example.com')).toBeUndefined();
  });

  it('names a missing helper', async () => {
    await writeJson(dockerConfig(), { credHelpers: { 'ghcr.io': 'absent' } });
    const store = loadCredentialStore({ homeDir: home, env: helperEnv() });

    const failure = await store.get('ghcr.io').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CredentialHelperError);
    expect((failure as CredentialHelperError).code).toBe('CREDENTIAL_HELPER_FAILED');
    expect((failure as CredentialHelperError).helper).toBe('docker-credential-absent');
    expect((failure as Error).message).toContain('not found in PATH');
  });

  it('names a failing helper with its error output and exit code', async () => {
    await writeHelper('broken', 'echo "keychain locked" >&2; exit 3');
    await writeJson(dockerConfig(), { credHelpers: { 'ghcr.io': 'broken' } });
    const store = loadCredentialStore({ homeDir: home, env: helperEnv() });

    const failure = await store.get('ghcr.io').catch((error: unknown) => error);

    expect((failure as Error).message).toBe(
      'credential helper docker-credential-broken failed: "docker-credential-broken get" exited with code 3 (keychain locked) for ghcr.io',
    );
  });

  it('never prints the output of a helper that returns invalid JSON', async () => {
    await writeHelper('garbled', 'echo "Secret=leaked-secret-value"');
    await writeJson(dockerConfig(), { credHelpers: { 'ghcr.io': 'garbled' } });
    const store = loadCredentialStore({ homeDir: home, env: helperEnv() });

    const failure = await store.get('ghcr.io').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CredentialHelperError);
    expect((failure as Error).message).not.toContain('leaked-secret-value');
  });

  it('rejects a helper name that is not a plain program name', async () => {
    await writeJson(dockerConfig(), { credHelpers: { 'ghcr.io': '../../bin/sh' } });
    const store = loadCredentialStore({ homeDir: home, env: helperEnv() });

    const failure = await store.get('ghcr.io').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CredentialHelperError);
    expect((failure as Error).message).toContain('may only contain');
  });
});
