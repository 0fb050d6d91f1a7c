import type { Command } from 'commander';
import { formatReference, parseReference, withTag } from '../../registry/reference.js';
import { printJson } from '../output.js';
import { addRegistryOptions, createRegistryClient, type RegistryFlags } from '../registry-options.js';

/** Options of `tagkeeper tag`, as commander parses them. */
interface TagCommandOptions extends RegistryFlags {
  json?: boolean;
}

/**
 * Registers `tagkeeper tag SOURCE TAG`, which puts the manifest of SOURCE
 * under another tag of the same repository. The manifest bytes are copied
 * unchanged, so the new tag has the same digest.
 */
export function registerTagCommand(program: Command): void {
  const command = program
    .command('tag')
    .description('Add a tag to an existing image in the same repository, digest unchanged')
    .argument('<source>', 'image reference such as ghcr.io/org/app:1.2.3 or ghcr.io/org/app@sha256:…')
    .argument('<tag>', 'the new tag, such as 1.2 or latest')
    .option('--json', 'print {"reference", "digest"} as JSON');
  addRegistryOptions(command).action(async (sourceInput: string, tag: string, options: TagCommandOptions) => {
    await runTag(sourceInput, tag, options);
  });
}

async function runTag(sourceInput: string, tag: string, options: TagCommandOptions): Promise<void> {
  const source = parseReference(sourceInput);
  const target = withTag(source, tag);
  const client = await createRegistryClient(options, [source.registry]);
  try {
    const fetched = await client.getManifest(source);
    const digest = await client.putManifest({ ...target, digest: fetched.descriptor.digest }, fetched.bytes, fetched.descriptor.mediaType);
    const reference = formatReference(target);
    if (options.json) {
      printJson({ reference, digest });
      return;
    }
    process.stdout.write(`${reference}@${digest}\n`);
  } finally {
    await client.close();
  }
}
