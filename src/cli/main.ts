import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { reportError } from './output.js';

/** Builds the `tagkeeper` program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('tagkeeper')
    .description('Publish, resolve, pin and audit container image tags under a rolling/immutable tag scheme')
    .version('0.1.0')
    .exitOverride()
    // Usage errors fit on one line with the same prefix as every other error;
    // the help stays one `--help` away instead of filling the terminal.
    .configureOutput({ outputError: (text, write) => write(formatUsageError(text)) })
    // Subcommands own their options, so `tags --version 3.4.13` is the
    // release version and not the program's own `--version` flag.
    .enablePositionalOptions();
  registerCommands(program);
  return program;
}

/** Runs the CLI with `argv` (as `process.argv`) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed help, the version or the usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    return reportError(error);
  }
}

/** Turns commander's `error: unknown option '--bogus'` into one `tagkeeper: error: ...` line with a pointer to `--help`. */
export function formatUsageError(text: string): string {
  const message = text.trim().replace(/^error:\s*/, '');
  return `tagkeeper: error: ${message}; run with --help for usage\n`;
}
