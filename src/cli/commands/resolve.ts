import type { Command } from 'commander';
import type { PlatformRequest } from '../../registry/platform.js';
import { parseReference } from '../../registry/reference.js';
import { resolve, resolvedToJson } from '../../resolve/resolve.js';
import type { ResolvedReference } from '../../resolve/resolver.js';
import { formatTable, printJson } from '../output.js';
import { addRegistryOptions, createRegistryClient, parsePlatformOption, type RegistryFlags } from '../registry-options.js';

/** Options of `tagkeeper resolve`, as commander parses them. */
interface ResolveFlags extends RegistryFlags {
  platform?: PlatformRequest;
  policy?: string;
  defaultDistro?: string;
  json?: boolean;
}

/**
 * Registers `tagkeeper resolve REF...`, which prints the digest each
 * reference points to and the immutable tag with that digest.
 */
export function registerResolveCommand(program: Command): void {
  const command = program
    .command('resolve')
    .description('Print the digest each reference points to now and the immutable tag with that digest')
    .argument(
      '<reference...>',
      'image references such as ghcr.io/acme/etcd:3 (default tag: latest); a digest reference is matched against every immutable tag',
    )
    .option('--platform <os/arch[/variant]>', "also resolve this platform's manifest of an index, such as linux/arm64", parsePlatformOption)
    .option('--policy <file>', 'tag policy file of the repositories, JSON or YAML (default: every rolling level)')
    .option('--default-distro <distro>', 'distro that tags without a distro stand for (default: try every published distro)')
    .option('--json', 'print a JSON array');
  addRegistryOptions(command).action(async (inputs: string[], flags: ResolveFlags) => {
    await runResolve(inputs, flags);
  });
}

async function runResolve(inputs: string[], flags: ResolveFlags): Promise<void> {
  const registries = [...new Set(inputs.map((input) => parseReference(input).registry))];
  const client = await createRegistryClient(flags, registries);
  let results: ResolvedReference[];
  try {
    results = await resolve(inputs, {
      client,
      platform: flags.platform,
      policyFile: flags.policy,
      defaultDistro: flags.defaultDistro,
      findDigestTags: true,
    });
  } finally {
    await client.close();
  }

  for (const result of results) {
    if (result.warning !== undefined) {
      process.stderr.write(`tagkeeper: warning: ${result.warning}\n`);
    }
  }
  if (flags.json) {
    printJson(resolvedToJson(results));
    return;
  }
  process.stdout.write(`${formatResolved(results, flags.platform !== undefined)}\n`);
}

function formatResolved(results: readonly ResolvedReference[], withPlatform: boolean): string {
  const header = ['REFERENCE', 'DIGEST', 'IMMUTABLE TAG'];
  if (withPlatform) {
    header.push('PLATFORM', 'PLATFORM DIGEST');
  }
  const rows = results.map((result) => {
    const row = [result.reference, result.digest, result.immutableTags.join(', ') || immutableNote(result)];
    if (withPlatform) {
      row.push(result.platform?.platform ?? '-', result.platform?.digest ?? '-');
    }
    return row;
  });
  return formatTable(header, rows);
}

function immutableNote(result: ResolvedReference): string {
  switch (result.kind) {
    case 'foreign':
      return '(not a scheme tag)';
    default:
      return '(none: see warning)';
  }
}
