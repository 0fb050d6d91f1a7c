import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { TagkeeperError } from '../errors.js';
import { loadCredentialStore, type Credential } from '../registry/auth/credentials.js';
import { RegistryClient } from '../registry/client.js';
import { InvalidPlatformError, parsePlatform, type PlatformRequest } from '../registry/platform.js';
import { parseRegistry } from '../registry/reference.js';

/**
 * Flags shared by the commands that talk to a registry (`ls`, `digest`,
 * `copy`, `tag`), and the client they configure. Credentials come from
 * `--username` with `--password-stdin`, else from the Docker and Podman
 * credential files the transport reads.
 */

/** Registry flags as commander parses them. */
export interface RegistryFlags {
  insecure: string[];
  username?: string;
  passwordStdin?: boolean;
  caFile?: string;
  debug?: boolean;
}

/** A registry flag is missing, contradicts another one, or names a file that cannot be read. */
export class RegistryOptionError extends TagkeeperError {
  override readonly name = 'RegistryOptionError';
  readonly code = 'INVALID_ARGUMENT';
}

/** Adds the shared registry flags to `command`. */
export function addRegistryOptions(command: Command): Command {
  return command
    .option('--insecure <host>', 'allow plain HTTP to this registry host[:port] (repeatable); loopback hosts never need it', collect, [])
    .option('--username <name>', 'user name for the registries named in the arguments; needs --password-stdin')
    .option('--password-stdin', 'read the password or token for --username from standard input')
    .option('--ca-file <file>', 'PEM file of CA certificates to trust in addition to the system ones')
    .option('--debug', 'print one line per HTTP request on standard error (credentials are never printed)');
}

/** Parses the `--platform` value `os/architecture[/variant]`; an invalid one is a usage error. */
export function parsePlatformOption(value: string): PlatformRequest {
  try {
    return parsePlatform(value);
  } catch (error) {
    if (error instanceof InvalidPlatformError) {
      throw new RegistryOptionError(`--platform: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Creates a client for the flags. With `--username`, the credential applies
 * to each registry in `registries`, the ones named in the command's
 * arguments, and wins over the credential files. Other registries use the
 * files as usual.
 */
export async function createRegistryClient(flags: RegistryFlags, registries: string[], stdin: Readable = process.stdin): Promise<RegistryClient> {
  const explicit = await explicitCredentials(flags, registries, stdin);
  const ca = flags.caFile === undefined ? undefined : await readCaFile(flags.caFile);
  const insecureRegistries = flags.insecure.map((host) => {
    try {
      return parseRegistry(host);
    } catch {
      throw new RegistryOptionError(`--insecure ${JSON.stringify(host)} is not a registry host[:port], such as registry.local:5000`);
    }
  });

  return new RegistryClient({
    credentials: loadCredentialStore({ explicit }),
    insecureRegistries,
    ...(ca === undefined ? {} : { ca }),
    ...(flags.debug ? { debug: (line: string) => process.stderr.write(`tagkeeper: debug: ${line}\n`) } : {}),
  });
}

async function explicitCredentials(flags: RegistryFlags, registries: string[], stdin: Readable): Promise<Record<string, Credential>> {
  if (flags.username === undefined && !flags.passwordStdin) {
    return {};
  }
  if (flags.username === undefined || flags.username === '') {
    throw new RegistryOptionError('--password-stdin needs --username');
  }
  if (!flags.passwordStdin) {
    throw new RegistryOptionError('--username needs --password-stdin; pipe the password or token in, as in: echo "$TOKEN" | tagkeeper ... --password-stdin');
  }

  const password = (await readAll(stdin)).replace(/\r?\n$/, '');
  if (password === '') {
    throw new RegistryOptionError('--password-stdin read an empty password from standard input');
  }
  const credential: Credential = { username: flags.username, password };
  return Object.fromEntries(registries.map((registry) => [registry, credential]));
}

async function readCaFile(file: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    throw new RegistryOptionError(`--ca-file ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new RegistryOptionError(`--ca-file ${file} contains no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return pem;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
