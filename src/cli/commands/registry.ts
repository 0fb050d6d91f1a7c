import { InvalidArgumentError, Option, type Command } from 'commander';
import { TagkeeperError } from '../../errors.js';
import { startMemoryRegistry, type MemoryRegistryOptions } from '../../testing/index.js';

/** Options of `tagkeeper registry serve`, as commander parses them. */
interface ServeOptions {
  port: number;
  host: string;
  auth: 'none' | 'basic' | 'token';
  user?: string[];
  service?: string;
  allowAnonymousPull?: boolean;
  rotateRefreshTokens?: boolean;
  pageSize?: number;
  maxPageSize?: number;
  delete: boolean;
  referrers: boolean;
  verbose?: boolean;
}

/** A `registry serve` option is missing or contradicts another one. */
class ServeArgumentError extends TagkeeperError {
  override readonly name = 'ServeArgumentError';
  readonly code = 'INVALID_ARGUMENT';
}

/**
 * Registers `tagkeeper registry serve`, which runs the in-memory registry of
 * `tagkeeper/testing` until SIGINT or SIGTERM, for demos and for trying
 * tagkeeper without a real registry.
 */
export function registerRegistryCommand(program: Command): void {
  const registry = program.command('registry').description('Run a registry for tests and demos');

  registry
    .command('serve')
    .description('Serve an in-memory OCI registry on a loopback address until interrupted; content is lost on exit')
    .option('--port <number>', 'TCP port to listen on; 0 picks a free port', parseInteger('--port', 0, 65535), 0)
    .option('--host <address>', 'loopback address to listen on: 127.0.0.1 or ::1', '127.0.0.1')
    .addOption(new Option('--auth <mode>', 'authentication').choices(['none', 'basic', 'token']).default('none'))
    .option(
      '--user <name:password>',
      'user for basic or token auth, repeatable; visible to local users in the process list, so use test passwords only',
      collect,
    )
    .option('--service <name>', 'service name of token auth (default: tagkeeper-memory-registry)')
    .option('--allow-anonymous-pull', 'with token auth, let callers without credentials pull')
    .option('--rotate-refresh-tokens', 'with token auth, replace the refresh token on each refresh grant and reject the old one')
    .option('--page-size <number>', 'tags and catalog entries per page when the client sends no n (default: all)', parseInteger('--page-size', 1))
    .option('--max-page-size <number>', 'maximum n a client may request; a larger n gets 400 PAGINATION_NUMBER_INVALID', parseInteger('--max-page-size', 1))
    .option('--no-delete', 'reject DELETE of manifests, tags and blobs with 405')
    .option('--no-referrers', 'serve no referrers API, like Distribution 2.8')
    .option('--verbose', 'log each request to standard error')
    .action(async (options: ServeOptions) => {
      await serve(options);
    });
}

async function serve(options: ServeOptions): Promise<void> {
  const registry = await startMemoryRegistry(toRegistryOptions(options));
  // The handlers go in before the address is printed, because a script may
  // send SIGTERM as soon as it reads the address.
  const stopped = waitForSignal();
  process.stdout.write(`listening on ${registry.url}\n`);

  const signal = await stopped;
  await registry.close();
  process.stderr.write(`stopped on ${signal}\n`);
}

function toRegistryOptions(options: ServeOptions): MemoryRegistryOptions {
  const entries = options.user ?? [];
  const users = parseUsers(entries);
  if (options.auth === 'none' && entries.length > 0) {
    throw new ServeArgumentError('--user needs --auth basic or --auth token');
  }
  if (options.auth === 'basic' && entries.length === 0) {
    throw new ServeArgumentError('--auth basic needs at least one --user NAME:PASSWORD');
  }
  if (options.auth === 'token' && entries.length === 0 && !options.allowAnonymousPull) {
    throw new ServeArgumentError('--auth token needs at least one --user NAME:PASSWORD or --allow-anonymous-pull');
  }
  if (options.auth !== 'token' && (options.service !== undefined || options.allowAnonymousPull || options.rotateRefreshTokens)) {
    throw new ServeArgumentError('--service, --allow-anonymous-pull and --rotate-refresh-tokens need --auth token');
  }

  const registryOptions: MemoryRegistryOptions = {
    host: options.host,
    port: options.port,
    pageSize: options.pageSize,
    maxPageSize: options.maxPageSize,
    deleteEnabled: options.delete,
    referrersApi: options.referrers,
  };
  if (options.auth === 'basic') {
    registryOptions.auth = { type: 'basic', users };
  } else if (options.auth === 'token') {
    registryOptions.auth = {
      type: 'token',
      users,
      service: options.service,
      allowAnonymousPull: options.allowAnonymousPull ?? false,
      rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    };
  }
  if (options.verbose) {
    registryOptions.log = (line) => process.stderr.write(`${line}\n`);
  }
  return registryOptions;
}

/** Parses `NAME:PASSWORD` entries; the password may contain colons. */
function parseUsers(entries: readonly string[]): Record<string, string> {
  const users: Record<string, string> = {};
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    if (colon <= 0) {
      // The entry may be a password given without a name, so it is not echoed.
      throw new ServeArgumentError('--user must be NAME:PASSWORD with a non-empty NAME');
    }
    const name = entry.slice(0, colon);
    if (Object.hasOwn(users, name)) {
      throw new ServeArgumentError(`--user ${name} is given twice; give each user once`);
    }
    users[name] = entry.slice(colon + 1);
  }
  return users;
}

function parseInteger(option: string, min: number, max?: number): (value: string) => number {
  const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
  return (value) => {
    const number = Number(value);
    if (!/^\d{1,15}$/.test(value) || number < min || (max !== undefined && number > max)) {
      throw new InvalidArgumentError(`${option} must be an integer ${range}`);
    }
    return number;
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Resolves with the first SIGINT or SIGTERM and stops listening for both. */
function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
