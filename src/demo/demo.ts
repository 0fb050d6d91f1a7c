/**
 * The demo: the whole release story on a registry with no set-up. It starts
 * the embedded in-memory registry (or uses one given), pushes tiny builds to
 * a staging repository, publishes them under the tag scheme step by step,
 * prints each plan and the tags after it, and resolves the rolling tags.
 * Last, it audits the repository with the policy it published with.
 */
import { randomBytes } from 'node:crypto';
import { audit } from '../audit/audit.js';
import { clientAuditRegistry } from '../audit/client-registry.js';
import { formatReport } from '../audit/format.js';
import type { AuditReport } from '../audit/report.js';
import { ClientRegistry } from '../release/client-registry.js';
import { publish, type PublishResult } from '../release/publish.js';
import { RegistryClient } from '../registry/client.js';
import { Resolver, type ResolvedReference } from '../resolve/resolver.js';
import { parseTag } from '../scheme/tag.js';
import { startMemoryRegistry } from '../testing/index.js';
import { describeOutcome, formatPlan, shortDigest } from '../cli/commands/publish.js';
import { formatTable } from '../text-table.js';
import { pushDemoBuild } from './images.js';
import { demoFollowUpCommands, formatDemoPolicy, writeDemoPolicy } from './policy-file.js';
import { DEMO_POLICY, DEMO_RESOLVE_TAGS, DEMO_STEPS, type DemoStep } from './steps.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Registry host to run against, such as `localhost:5000`; default: start the embedded registry. */
  registry?: string;
  /** Allows plain HTTP to `registry` when it is not a loopback address. */
  insecure?: boolean;
  /** Repository to release into; default `demo/app` on the embedded registry, `tagkeeper-demo/app-<random>` elsewhere. */
  repository?: string;
  /** Receives the output; default standard output. */
  write?: (text: string) => void;
  /** Bold headings; default when standard output is a terminal and `NO_COLOR` is unset. */
  color?: boolean;
  /**
   * Path of the demo's tag policy file with `registry`; default
   * `policy.yaml` in a new temporary folder. The embedded registry stops
   * with the demo, so no file is written for it.
   */
  policyFile?: string;
}

/** One tag of the target repository at the end of the demo. */
export interface DemoTag {
  tag: string;
  digest: string;
  /** The immutable tag with the same digest; the tag itself for an immutable tag. */
  immutable: string | undefined;
}

/** Outcome of the demo: the steps, the final tags and the resolved rolling tags. */
export interface DemoResult {
  registry: string;
  repository: string;
  stagingRepository: string;
  steps: Array<{ title: string; outcome: PublishResult['outcome']; immutable: string; digest: string }>;
  tags: DemoTag[];
  resolved: ResolvedReference[];
  /** The audit of the repository under the demo's policy. */
  audit: AuditReport;
  /** The policy file written for `audit --policy`, undefined on the embedded registry. */
  policyFile: string | undefined;
}

/**
 * Runs the demo and returns what it published.
 *
 * @throws RegistryError when `options.registry` cannot be reached, before anything is printed.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const color = options.color ?? (process.stdout.isTTY === true && process.env.NO_COLOR === undefined);
  const heading = (text: string) => (color ? `\u001b[1m${text}\u001b[0m` : text);

  const embedded = options.registry === undefined ? await startMemoryRegistry() : undefined;
  const host = embedded?.host ?? (options.registry as string);
  const repository = options.repository ?? (embedded ? 'demo/app' : `tagkeeper-demo/app-${randomBytes(4).toString('hex')}`);
  const staging = `${repository}-staging`;
  const client = new RegistryClient(options.insecure ? { insecureRegistries: [host] } : {});

  try {
    if (!embedded) {
      // One tag list shows an unreachable registry or missing credentials before the banner does.
      await new ClientRegistry(client).listTags({ registry: host, repository });
    }
    const policyFile = embedded ? undefined : await writeDemoPolicy(options.policyFile);

    write(`${heading('tagkeeper demo')}\n`);
    write(embedded ? `embedded registry at ${embedded.url}\n` : `registry ${host}\n`);
    write(`releasing into ${host}/${repository} from ${host}/${staging}\n`);
    write(`tag policy${policyFile === undefined ? '' : ` (written to ${policyFile})`}:\n${indent(formatDemoPolicy())}\n\n`);

    const steps: DemoResult['steps'] = [];
    for (const [index, step] of DEMO_STEPS.entries()) {
      write(`${heading(`${index + 1}. ${step.title}`)}\n${step.note}\n\n`);
      const result = await runStep(client, host, repository, staging, step);
      write(`${formatPlan(result.plan, { dryRun: step.dryRun })}\n\n${describeOutcome(result)}\n\n`);
      const tags = await readTags(client, host, repository);
      write(`tags of ${host}/${repository} now:\n${formatTags(tags)}\n\n`);
      steps.push({ title: step.title, outcome: result.outcome, immutable: result.immutable, digest: result.digest });
    }

    write(`${heading('Resolving the rolling tags')}\n`);
    const resolver = new Resolver({ registry: new ClientRegistry(client), policy: DEMO_POLICY });
    const resolved = await resolver.resolveAll(DEMO_RESOLVE_TAGS.map((tag) => `${host}/${repository}:${tag}`), { platform: 'linux/arm64' });
    write(`${formatResolved(resolved)}\n`);
    write(`(${resolver.requests.listTags} tag list, ${resolver.requests.headManifest} HEAD and ${resolver.requests.resolvePlatform} platform requests)\n\n`);

    write(`${heading('Auditing the repository with the same policy')}\n`);
    const report = await audit({ registry: clientAuditRegistry(client), repositories: [`${host}/${repository}`], policy: DEMO_POLICY });
    write(`${formatReport(report, 'table')}\n`);

    const tags = await readTags(client, host, repository);
    write(`${heading('Summary')}\n${summarize(steps, tags)}\n\n`);
    write(`${followUp(`${host}/${repository}`, policyFile, options.insecure ? host : undefined)}\n`);
    return { registry: host, repository, stagingRepository: staging, steps, tags, resolved, audit: report, policyFile };
  } finally {
    await client.close();
    await embedded?.close();
  }
}

async function runStep(client: RegistryClient, host: string, repository: string, staging: string, step: DemoStep): Promise<PublishResult> {
  if (step.build !== undefined) {
    await pushDemoBuild(client, `${host}/${staging}`, step.stagingTag, step.build);
  }
  return publish({
    client,
    source: `${host}/${staging}:${step.stagingTag}`,
    target: `${host}/${repository}`,
    version: step.version,
    distro: step.distro,
    policy: DEMO_POLICY,
    dryRun: step.dryRun,
    skipIfUnchanged: step.skipIfUnchanged,
  });
}

/** Reads every tag of the repository and the immutable tag each points to. */
async function readTags(client: RegistryClient, host: string, repository: string): Promise<DemoTag[]> {
  const registry = new ClientRegistry(client);
  const names = await registry.listTags({ registry: host, repository });
  const digests = await Promise.all(
    names.map(async (tag) => (await registry.headManifest({ registry: host, repository, tag }))?.digest ?? 'absent'),
  );
  const immutableByDigest = new Map<string, string>();
  names.forEach((tag, index) => {
    if (parseTag(tag).kind === 'immutable') {
      immutableByDigest.set(digests[index] as string, tag);
    }
  });
  const tags = names.map((tag, index) => {
    const digest = digests[index] as string;
    return { tag, digest, immutable: immutableByDigest.get(digest) };
  });
  return tags.sort((a, b) => a.tag.localeCompare(b.tag, 'en', { numeric: true }));
}

/** Tells the user how to audit and resolve the demo repository themselves. */
function followUp(repository: string, policyFile: string | undefined, insecureHost: string | undefined): string {
  if (policyFile === undefined) {
    return (
      'The embedded registry stops with the demo. To audit the tags yourself, start a registry with\n' +
      '"tagkeeper registry serve" and run "tagkeeper demo --registry HOST": the demo then writes its policy\n' +
      'to a file and prints the audit command.'
    );
  }
  const commands = demoFollowUpCommands(repository, policyFile, insecureHost);
  return `To audit or resolve what the demo made with the same policy, run:\n${commands.map((line) => `  ${line}`).join('\n')}`;
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function formatTags(tags: readonly DemoTag[]): string {
  if (tags.length === 0) {
    return '(no tags)';
  }
  const rows = tags.map((entry) => [
    entry.tag,
    entry.immutable === entry.tag ? '(immutable)' : (entry.immutable ?? '(no immutable tag)'),
    shortDigest(entry.digest),
  ]);
  return formatTable(['TAG', 'POINTS TO', 'DIGEST'], rows);
}

function formatResolved(resolved: readonly ResolvedReference[]): string {
  const rows = resolved.map((entry) => [
    entry.reference.slice(entry.reference.lastIndexOf(':') + 1),
    entry.immutableTags.join(', ') || '(none)',
    shortDigest(entry.digest),
    shortDigest(entry.platform?.digest),
  ]);
  return formatTable(['ROLLING TAG', 'IMMUTABLE TAG', 'INDEX DIGEST', 'LINUX/ARM64 DIGEST'], rows);
}

function summarize(steps: DemoResult['steps'], tags: readonly DemoTag[]): string {
  const count = (outcome: PublishResult['outcome']) => steps.filter((step) => step.outcome === outcome).length;
  const immutable = tags.filter((entry) => entry.immutable === entry.tag);
  const orphans = tags.filter((entry) => entry.immutable === undefined);
  return [
    `${steps.length} publishes: ${count('published')} published, ${count('planned')} dry run, ` +
      `${count('up-to-date')} with nothing to do, ${count('unchanged')} skipped as unchanged.`,
    `${tags.length} tags: ${immutable.length} immutable (${immutable.map((entry) => entry.tag).join(', ')}) ` +
      `and ${tags.length - immutable.length} rolling.`,
    orphans.length === 0
      ? 'Every rolling tag points to an image that has an immutable tag.'
      : `Rolling tags without an immutable tag: ${orphans.map((entry) => entry.tag).join(', ')}.`,
  ].join('\n');
}
