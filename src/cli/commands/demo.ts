import type { Command } from 'commander';
import { runDemo } from '../../demo/demo.js';
import { parseRegistry } from '../../registry/reference.js';

/** Options of `tagkeeper demo`, as commander parses them. */
interface DemoFlags {
  registry?: string;
  insecure?: boolean;
  repository?: string;
}

/** Registers `tagkeeper demo`, which runs the release story on the embedded registry or a given one. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Publish and resolve a few tiny images step by step, on an embedded registry unless --registry is given')
    .option('--registry <host>', 'run against this registry host[:port] instead of the embedded one')
    .option('--insecure', 'allow plain HTTP to --registry (loopback hosts never need it)')
    .option('--repository <name>', 'repository to release into (default: demo/app, or tagkeeper-demo/app-<random> with --registry)')
    .action(async (flags: DemoFlags) => {
      const registry = flags.registry === undefined ? undefined : parseRegistry(flags.registry);
      await runDemo({ registry, insecure: flags.insecure, repository: flags.repository });
    });
}
