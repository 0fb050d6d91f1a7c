import { spawn } from 'node:child_process';

import { TagkeeperError } from '../../errors.js';
import { redactSecrets } from '../redact.js';
import type { Credential } from './credentials.js';

/** Username a credential helper returns when its secret is an identity token, not a password. */
const IDENTITY_TOKEN_USERNAME = '<token>';

/** Wait for a helper; desktop keychains may first ask the user to unlock them. */
const HELPER_TIMEOUT_MS = 60_000;

/** Largest helper output read; a credential is a few kilobytes at most. */
const MAX_HELPER_OUTPUT_BYTES = 1024 * 1024;

/** A Docker credential helper (`docker-credential-NAME`) is missing, failed, or printed something unreadable. */
export class CredentialHelperError extends TagkeeperError {
  override readonly name = 'CredentialHelperError';
  readonly code = 'CREDENTIAL_HELPER_FAILED';

  constructor(
    /** The program, such as `docker-credential-desktop`. */
    readonly helper: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`credential helper ${helper} failed: ${reason}`, options);
  }
}

/**
 * Runs the credential helper `docker-credential-NAME` to get the credentials of
 * `serverUrl`, with the protocol of docker/docker-credential-helpers v0.8:
 * `get` as the argument, the server URL on stdin, and
 * `{"ServerURL","Username","Secret"}` on stdout. Returns undefined when the
 * helper reports that it stores no credentials for the server.
 *
 * @param env the environment the helper runs in; its `PATH` finds the program.
 * @throws CredentialHelperError naming the helper when it is missing, exits
 * with another error, times out or prints invalid JSON. The message never
 * contains the helper's stdout, where the secret would be.
 */
export async function runCredentialHelper(
  name: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv,
): Promise<Credential | undefined> {
  const helper = `docker-credential-${name}`;
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new CredentialHelperError(
      helper,
      `invalid helper name "${name}": it may only contain letters, digits, ".", "_" and "-"; check credsStore and credHelpers in the credential file`,
    );
  }

  const result = await runHelper(helper, serverUrl, env);
  if (result.exitCode !== 0) {
    // docker-credential-helpers prints this text for a server it has no entry for.
    if (/credentials not found/i.test(result.stdout) || /credentials not found/i.test(result.stderr)) {
      return undefined;
    }
    const detail = redactSecrets(result.stderr.trim()).slice(0, 300) || 'no error output';
    throw new CredentialHelperError(helper, `"${helper} get" exited with code ${result.exitCode} (${detail}) for ${serverUrl}`);
  }

  return parseHelperOutput(helper, result.stdout);
}

function parseHelperOutput(helper: string, stdout: string): Credential | undefined {
  let output: { Username?: unknown; Secret?: unknown };
  try {
    output = JSON.parse(stdout) as { Username?: unknown; Secret?: unknown };
  } catch {
    throw new CredentialHelperError(helper, 'its output is not JSON with Username and Secret; check that the helper implements the "get" command');
  }

  if (typeof output !== 'object' || output === null || typeof output.Secret !== 'string') {
    throw new CredentialHelperError(helper, 'its output has no string Secret field');
  }
  const username = typeof output.Username === 'string' ? output.Username : undefined;
  if (output.Secret === '') {
    return undefined;
  }
  if (username === IDENTITY_TOKEN_USERNAME) {
    return { identityToken: output.Secret };
  }
  return { username, password: output.Secret };
}

interface HelperResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function runHelper(helper: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<HelperResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(helper, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outputBytes = 0;
    let stopReason: string | undefined;

    const stop = (reason: string): void => {
      stopReason ??= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(`it did not answer within ${HELPER_TIMEOUT_MS / 1000} s`), HELPER_TIMEOUT_MS);

    const collect = (target: Buffer[]) => (chunk: Buffer) => {
      outputBytes += chunk.length;
      if (outputBytes > MAX_HELPER_OUTPUT_BYTES) {
        stop(`it printed more than ${MAX_HELPER_OUTPUT_BYTES} bytes`);
        return;
      }
      target.push(chunk);
    };
    child.stdout.on('data', collect(stdout));
    child.stderr.on('data', collect(stderr));

    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const reason =
        error.code === 'ENOENT'
          ? `${helper} was not found in PATH; install it, or remove it from credsStore or credHelpers in the credential file`
          : `could not start ${helper} (${error.code ?? error.message})`;
      reject(new CredentialHelperError(helper, reason, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== null) {
        reject(new CredentialHelperError(helper, stopReason ?? `it was killed by ${signal}`));
        return;
      }
      resolve({
        exitCode: code ?? 1,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });

    // A helper that exits without reading stdin closes the pipe; that is not an error here.
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
  });
}
