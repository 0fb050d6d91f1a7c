import type { Command } from 'commander';
import { registerTagsCommand } from './tags.js';

/**
 * Registers every subcommand on `program`. Each command lives in its own
 * module and only parses arguments, calls the library and prints the result.
 */
export function registerCommands(program: Command): void {
  registerTagsCommand(program);
}
