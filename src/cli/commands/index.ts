import type { Command } from 'commander';

/**
 * Registers every subcommand on `program`. Each command lives in its own
 * module and only parses arguments, calls the library and prints the result.
 */
export function registerCommands(_program: Command): void {}
