import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { main } from '../../src/cli/main.js';
import { basicAuthorization, send } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'src/cli/bin.ts');

/** A `tagkeeper` process with its output collected. */
interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
}

const running: CliProcess[] = [];

afterEach(() => {
  vi.restoreAllMocks();
  for (const cli of running.splice(0)) {
    if (cli.child.exitCode === null) {
      cli.child.kill('SIGKILL');
    }
  }
});

function runCli(args: string[]): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const cli = { child, stdout: () => stdout, stderr: () => stderr, exit };
  running.push(cli);
  return cli;
}

/** Waits for the `listening on URL` line and returns the URL. */
async function listeningUrl(cli: CliProcess): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const match = /^listening on (http:\/\/\S+)$/m.exec(cli.stdout());
    if (match?.[1]) {
      return match[1];
    }
    if (cli.child.exitCode !== null) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no address line from tagkeeper registry serve; stdout: ${cli.stdout()} stderr: ${cli.stderr()}`);
}

describe('tagkeeper registry serve', () => {
  it('prints its address, serves /v2/ and stops on SIGTERM', async () => {
    const cli = runCli(['registry', 'serve', '--port', '0']);

    const url = await listeningUrl(cli);
    const reply = await send({ url }, 'GET', '/v2/');
    cli.child.kill('SIGTERM');

    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(reply.status).toBe(200);
    expect(await cli.exit).toBe(0);
    expect(cli.stderr()).toContain('stopped on SIGTERM');
    await expect(send({ url }, 'GET', '/v2/')).rejects.toThrow();
  });

  it('stops on SIGINT', async () => {
    const cli = runCli(['registry', 'serve']);
    await listeningUrl(cli);

    cli.child.kill('SIGINT');

    expect(await cli.exit).toBe(0);
  });

  it('serves basic auth for the given users and logs requests with --verbose', async () => {
    const cli = runCli(['registry', 'serve', '--auth', 'basic', '--user', 'ci:pa:ss', '--verbose']);
    const url = await listeningUrl(cli);

    const anonymous = await send({ url }, 'GET', '/v2/');
    const user = await send({ url }, 'GET', '/v2/', { headers: { authorization: basicAuthorization('ci', 'pa:ss') } });
    cli.child.kill('SIGTERM');
    await cli.exit;

    expect(anonymous.status).toBe(401);
    expect(user.status).toBe(200);
    expect(cli.stderr()).toMatch(/^GET \/v2\/ 200 \d+ms user=ci$/m);
    expect(cli.stderr()).not.toContain('pa:ss');
  });

  it('serves token auth with its /token realm', async () => {
    const cli = runCli(['registry', 'serve', '--auth', 'token', '--user', 'ci:secret', '--service', 'demo']);
    const url = await listeningUrl(cli);

    const challenge = await send({ url }, 'GET', '/v2/');

    expect(challenge.headers['www-authenticate']).toBe(`Bearer realm="${url}/token",service="demo"`);
  });

  it('rotates refresh tokens with --rotate-refresh-tokens', async () => {
    const cli = runCli(['registry', 'serve', '--auth', 'token', '--user', 'ci:secret', '--rotate-refresh-tokens']);
    const url = await listeningUrl(cli);
    const post = async (fields: Record<string, string>) => {
      const response = await fetch(`${url}/token`, { method: 'POST', body: new URLSearchParams(fields) });
      return { status: response.status, body: (await response.json()) as { refresh_token?: string } };
    };

    const login = await post({ grant_type: 'password', username: 'ci', password: 'secret', access_type: 'offline' });
    const first = login.body.refresh_token ?? '';
    const refreshed = await post({ grant_type: 'refresh_token', refresh_token: first });
    const reused = await post({ grant_type: 'refresh_token', refresh_token: first });

    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(first);
    expect(reused.status).toBe(400);
  });

  it.each([
    [['--auth', 'basic'], '--auth basic needs at least one --user'],
    [['--auth', 'token'], '--auth token needs at least one --user'],
    [['--user', 'ci:pw'], '--user needs --auth basic or --auth token'],
    [['--auth', 'basic', '--user', 'no-colon'], '--user must be NAME:PASSWORD'],
    [['--auth', 'basic', '--user', 'ci:a', '--user', 'ci:b'], '--user ci is given twice'],
    [['--service', 'x'], '--service, --allow-anonymous-pull and --rotate-refresh-tokens need --auth token'],
    [['--rotate-refresh-tokens'], '--service, --allow-anonymous-pull and --rotate-refresh-tokens need --auth token'],
    [['--host', '0.0.0.0'], 'is not a loopback address'],
    [['--port', '70000'], '--port must be an integer from 0 to 65535'],
    [['--page-size', '0'], '--page-size must be an integer of at least 1'],
    [['--auth', 'ldap'], 'Allowed choices are none, basic, token'],
  ])('exits with 2 for %j', async (args, message) => {
    const stderr: string[] = [];
    const stdout: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => stdout.push(String(chunk)) > 0);

    const code = await main(['node', 'tagkeeper', 'registry', 'serve', ...args]);
    vi.restoreAllMocks();

    expect(code).toBe(2);
    expect(stderr.join('')).toContain(message);
    expect(stdout.join('')).not.toContain('listening on');
  });
});
