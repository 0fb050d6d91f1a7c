import type { Command } from 'commander';
import { registerTagsCommand } from './tags.js';
import { registerRegistryCommand } from './registry.js';
import { registerLsCommand } from './ls.js';
import { registerDigestCommand } from './digest.js';
import { registerCopyCommand } from './copy.js';
import { registerTagCommand } from './tag.js';
import { registerAuditCommand } from './audit.js';
import { registerPinCommand } from './pin.js';
import { registerPublishCommand } from './publish.js';
import { registerResolveCommand } from './resolve.js';
import { registerDemoCommand } from './demo.js';

/**
 * Registers every subcommand on `program`. Each command lives in its own
 * module and only parses arguments, calls the library and prints the result.
 */
export function registerCommands(program: Command): void {
  registerTagsCommand(program);
  registerRegistryCommand(program);
  registerLsCommand(program);
  registerDigestCommand(program);
  registerCopyCommand(program);
  registerTagCommand(program);
  registerAuditCommand(program);
  registerPinCommand(program);
  registerPublishCommand(program);
  registerResolveCommand(program);
  registerDemoCommand(program);
}
