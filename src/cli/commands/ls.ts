import type { Command } from 'commander';
import { parseRepository } from '../../registry/reference.js';
import { printJson } from '../output.js';
import { addRegistryOptions, createRegistryClient, type RegistryFlags } from '../registry-options.js';

/** Options of `tagkeeper ls`, as commander parses them. */
interface LsOptions extends RegistryFlags {
  json?: boolean;
}

/** Registers `tagkeeper ls REPOSITORY`, which prints every tag of a repository. */
export function registerLsCommand(program: Command): void {
  const command = program
    .command('ls')
    .description('List every tag of a repository, in the order the registry returns them')
    .argument('<repository>', 'repository such as ghcr.io/org/app or 127.0.0.1:5000/app (no tag)')
    .option('--json', 'print {"repository", "tags", "invalidTags"} as JSON');
  addRegistryOptions(command).action(async (input: string, options: LsOptions) => {
    await runLs(input, options);
  });
}

async function runLs(input: string, options: LsOptions): Promise<void> {
  const repository = parseRepository(input);
  const client = await createRegistryClient(options, [repository.registry]);
  try {
    const listing = await client.listTags(repository);
    if (options.json) {
      printJson(listing);
      return;
    }
    if (listing.tags.length > 0) {
      process.stdout.write(`${listing.tags.join('\n')}\n`);
    }
    if (listing.invalidTags.length > 0) {
      const examples = listing.invalidTags.slice(0, 5).map((tag) => JSON.stringify(tag)).join(', ');
      const more = listing.invalidTags.length > 5 ? ` and ${listing.invalidTags.length - 5} more` : '';
      process.stderr.write(`tagkeeper: warning: the registry listed ${listing.invalidTags.length} entries that are not valid tags, left out: ${examples}${more}\n`);
    }
  } finally {
    await client.close();
  }
}
