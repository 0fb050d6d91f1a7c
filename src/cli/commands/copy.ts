import type { Command } from 'commander';
import { formatReference, parseReference } from '../../registry/reference.js';
import { printJson } from '../output.js';
import { addRegistryOptions, createRegistryClient, RegistryOptionError, type RegistryFlags } from '../registry-options.js';

/** Options of `tagkeeper copy`, as commander parses them. */
interface CopyCommandOptions extends RegistryFlags {
  concurrency?: number;
  json?: boolean;
}

/** Registers `tagkeeper copy SOURCE DESTINATION`, which copies an image or index with everything it references. */
export function registerCopyCommand(program: Command): void {
  const command = program
    .command('copy')
    .description('Copy an image or multi-platform index, digests unchanged, to another repository or registry')
    .argument('<source>', 'image reference to copy, such as ghcr.io/org/app:1.2.3')
    .argument('<destination>', 'where to put it, such as registry.local:5000/app:1.2.3 (default: the source tag)')
    .option('--concurrency <n>', 'blob copies in flight at once (default 4)', parseConcurrency)
    .option('--json', 'print the result as JSON: destination, digest and blob counts');
  addRegistryOptions(command).action(async (sourceInput: string, destinationInput: string, options: CopyCommandOptions) => {
    await runCopy(sourceInput, destinationInput, options);
  });
}

async function runCopy(sourceInput: string, destinationInput: string, options: CopyCommandOptions): Promise<void> {
  const source = parseReference(sourceInput);
  const destination = parseReference(destinationInput);
  const client = await createRegistryClient(options, [...new Set([source.registry, destination.registry])]);
  try {
    const result = await client.copyImage(source, destination, options.concurrency === undefined ? {} : { concurrency: options.concurrency });
    if (options.json) {
      printJson({ source: formatReference(source), ...result });
      return;
    }
    process.stdout.write(`${result.destination}\n`);
    const { copied, mounted, skipped } = result.blobs;
    process.stderr.write(
      `tagkeeper: copied ${result.manifests} manifest(s); blobs: ${copied} copied (${result.bytesCopied} bytes), ${mounted} mounted, ${skipped} already present\n`,
    );
  } finally {
    await client.close();
  }
}

function parseConcurrency(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1 || number > 64) {
    throw new RegistryOptionError(`--concurrency ${JSON.stringify(value)} is invalid: expected a whole number from 1 to 64`);
  }
  return number;
}
