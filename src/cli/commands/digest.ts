import type { Command } from 'commander';
import type { PlatformRequest } from '../../registry/platform.js';
import { parseReference } from '../../registry/reference.js';
import { printJson } from '../output.js';
import { addRegistryOptions, createRegistryClient, parsePlatformOption, type RegistryFlags } from '../registry-options.js';

/** Options of `tagkeeper digest`, as commander parses them. */
interface DigestOptions extends RegistryFlags {
  platform?: PlatformRequest;
  json?: boolean;
}

/** Registers `tagkeeper digest REFERENCE`, which prints the digest a tag points to. */
export function registerDigestCommand(program: Command): void {
  const command = program
    .command('digest')
    .description('Print the manifest digest of an image reference')
    .argument('<reference>', 'image reference such as ghcr.io/org/app:1.2.3 (default tag: latest)')
    .option('--platform <os/arch[/variant]>', 'print the digest of this platform\'s manifest instead of the index, such as linux/arm64', parsePlatformOption)
    .option('--json', 'print {"reference", "digest", "mediaType", "size"} as JSON');
  addRegistryOptions(command).action(async (input: string, options: DigestOptions) => {
    await runDigest(input, options);
  });
}

async function runDigest(input: string, options: DigestOptions): Promise<void> {
  const reference = parseReference(input);
  const client = await createRegistryClient(options, [reference.registry]);
  try {
    const descriptor = options.platform === undefined ? await client.headManifest(reference) : await client.resolvePlatform(reference, options.platform);
    if (options.json) {
      printJson({ reference: input, digest: descriptor.digest, mediaType: descriptor.mediaType, size: descriptor.size });
    } else {
      process.stdout.write(`${descriptor.digest}\n`);
    }
  } finally {
    await client.close();
  }
}
