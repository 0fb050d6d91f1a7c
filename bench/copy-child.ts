/**
 * Child process of the copy scenario: copies one image with tagkeeper and
 * prints a JSON line with the copy's wall time and the process's peak
 * resident set size, so the parent measures memory apart from its own.
 *
 * Usage: node --import tsx bench/copy-child.ts SOURCE DESTINATION
 *        node --import tsx bench/copy-child.ts --idle
 * The copy scenario runs an esbuild bundle of this file with plain node.
 */
import { performance } from 'node:perf_hooks';

import { RegistryClient } from '../src/registry/client.js';

/** What the child prints. */
export interface CopyChildReport {
  /** Wall time of the copy alone, without process start-up, in milliseconds. */
  copyMs: number;
  /** Peak resident set size of the whole process, in KiB (`process.resourceUsage().maxRSS`). */
  maxRssKib: number;
  bytesCopied: number;
  digest: string;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === '--idle') {
    // The start-up memory of node and the loaded modules, which every copy run carries too.
    const report: CopyChildReport = { copyMs: 0, maxRssKib: process.resourceUsage().maxRSS, bytesCopied: 0, digest: '' };
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const [source, destination] = argv;
  if (source === undefined || destination === undefined) {
    throw new Error('usage: copy-child.ts SOURCE DESTINATION, such as 127.0.0.1:5000/app:1 127.0.0.1:5001/app:1');
  }

  const client = new RegistryClient();
  try {
    const start = performance.now();
    const result = await client.copyImage(source, destination);
    const copyMs = performance.now() - start;
    const report: CopyChildReport = { copyMs, maxRssKib: process.resourceUsage().maxRSS, bytesCopied: result.bytesCopied, digest: result.digest };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await client.close();
  }
}

await main(process.argv.slice(2));
