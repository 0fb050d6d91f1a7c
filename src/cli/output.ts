import { isTagkeeperError } from '../errors.js';

export { formatTable } from '../text-table.js';

/** Exit codes shared by every command. */
export const ExitCode = {
  ok: 0,
  /** The command ran, and what it checked failed (an audit finding, an unpinned image). */
  checkFailed: 1,
  /** Bad input: an invalid argument, version, reference, policy or file. */
  usage: 2,
  /** The command could not do its work: a registry or I/O failure. */
  failure: 3,
} as const;

/** Error codes that mean the user gave bad input rather than the registry failing. */
const USAGE_CODES = new Set([
  'INVALID_VERSION',
  'INVALID_TAG',
  'INVALID_REFERENCE',
  'INVALID_DIGEST',
  'TAG_POLICY',
  'INVALID_POLICY',
  'INVALID_ARGUMENT',
  'INVALID_OPTION',
  'INVALID_PLATFORM',
  'PLATFORM_NOT_FOUND',
  'INVALID_VALUES_FILE',
  'INVALID_CHART',
  'INVALID_CREDENTIAL_FILE',
  'INVALID_LEDGER',
  'INVALID_CONFIG',
]);

/**
 * Prints `error` as one line on stderr, without a stack trace, and returns the
 * exit code for it. Set `TAGKEEPER_DEBUG=1` to see the stack as well.
 */
export function reportError(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`tagkeeper: error: ${message}\n`);
  if (process.env.TAGKEEPER_DEBUG && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
  if (isTagkeeperError(error)) {
    return USAGE_CODES.has(error.code) ? ExitCode.usage : ExitCode.failure;
  }
  return ExitCode.failure;
}

/** Writes `value` as pretty-printed JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
