/**
 * The demo's tag policy as a file, so that `audit`, `resolve` and `pin` can
 * judge the demo repository by the same levels and default distro the demo
 * published with.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_POLICY } from './steps.js';

/** Returns the demo policy as the text of a YAML policy file. */
export function formatDemoPolicy(): string {
  return `levels: [${DEMO_POLICY.levels.join(', ')}]\ndefaultDistro: ${DEMO_POLICY.defaultDistro}\n`;
}

/**
 * Writes the demo policy to `path`, or to `policy.yaml` in a new folder under
 * the system's temporary folder, and returns the path written.
 */
export async function writeDemoPolicy(path?: string): Promise<string> {
  const target = path ?? join(await mkdtemp(join(tmpdir(), 'tagkeeper-demo-')), 'policy.yaml');
  await writeFile(target, formatDemoPolicy());
  return target;
}

/**
 * Returns the command lines that audit and resolve the demo repository with
 * the policy file. `insecureHost` adds `--insecure` for a registry that is
 * reached over plain HTTP and is not on loopback.
 */
export function demoFollowUpCommands(repository: string, policyFile: string, insecureHost?: string): string[] {
  const insecure = insecureHost === undefined ? '' : ` --insecure ${shellQuote(insecureHost)}`;
  const policy = `--policy ${shellQuote(policyFile)}`;
  return [
    `tagkeeper audit ${shellQuote(repository)} ${policy}${insecure}`,
    `tagkeeper resolve ${shellQuote(`${repository}:3.5`)} ${shellQuote(`${repository}:latest`)} ${policy}${insecure}`,
  ];
}

/** Quotes `text` for a POSIX shell when it contains anything beyond plain path characters. */
function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
