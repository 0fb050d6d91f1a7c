import type { Command } from 'commander';
import { isTagkeeperError } from '../../errors.js';
import type { PublishEvent } from '../../release/apply.js';
import { ReleaseOptionsError } from '../../release/errors.js';
import { planToJson, type ReleasePlan } from '../../release/plan.js';
import { formatRepository } from '../../release/ports.js';
import { publish, type PublishResult } from '../../release/publish.js';
import { parseReference, parseRepository } from '../../registry/reference.js';
import { ExitCode, formatTable, printJson } from '../output.js';
import { addRegistryOptions, createRegistryClient, type RegistryFlags } from '../registry-options.js';
import { parseRevisionText } from '../../scheme/revision.js';

/** Options of `tagkeeper publish`, as commander parses them. */
interface PublishFlags extends RegistryFlags {
  version: string;
  distro: string;
  revision: string;
  policy?: string;
  defaultDistro?: string;
  dryRun?: boolean;
  skipIfUnchanged?: boolean;
  verify?: string;
  verifyTimeout?: string;
  json?: boolean;
}

/**
 * Registers `tagkeeper publish SOURCE TARGET_REPO`, which releases an image
 * under its immutable tag and the rolling tags the policy gives it.
 */
export function registerPublishCommand(program: Command): void {
  // The root program's `--version` would otherwise also match `publish --version 3.5.10`.
  program.enablePositionalOptions();
  const command = program
    .command('publish')
    .description('Release an image under its immutable tag and move the rolling tags that follow it')
    .argument('<source>', 'image to release: a staging tag or digest, in any repository or registry')
    .argument('<target-repo>', 'repository to release into, such as ghcr.io/acme/etcd')
    .requiredOption('--version <version>', 'upstream version of the release, such as 3.5.10')
    .requiredOption('--distro <distro>', 'distro of the build, such as debian-12')
    .option('--revision <auto|n>', 'revision: auto picks the next one, or reuses the newest when the source already is it', 'auto')
    .option('--policy <file>', 'tag policy file, JSON or YAML')
    .option('--default-distro <distro>', 'distro that tags without a distro stand for (default: the one in --policy, else --distro)')
    .option('--dry-run', 'print the plan and change nothing, not even the copy')
    .option('--skip-if-unchanged', 'make no new revision when the source differs from the newest one only in build timestamps')
    .option('--verify <command>', 'release gate run through the shell after the copy and before any tag is written; a non-zero exit stops the release')
    .option('--verify-timeout <seconds>', 'maximum run time of the --verify command in seconds (default: no limit)')
    .option('--json', 'print the result as one JSON object');
  addRegistryOptions(command).action(async (source: string, target: string, flags: PublishFlags) => {
    await runPublish(source, target, flags);
  });
}

/** Progress of a publish for its failure report: the plan, once built, and the tags written. */
export interface PublishProgress {
  plan: ReleasePlan | undefined;
  written: string[];
}

async function runPublish(sourceText: string, targetText: string, flags: PublishFlags): Promise<void> {
  const progress: PublishProgress = { plan: undefined, written: [] };
  try {
    await publishAndReport(sourceText, targetText, flags, progress);
  } catch (error) {
    if (flags.json) {
      printJson(failureToJson(progress, error));
    }
    if (isTagkeeperError(error) && error.code === 'VERIFY_FAILED') {
      // A failed gate is a check that failed, not a broken command.
      process.stderr.write(`tagkeeper: error: ${error.message}\n`);
      process.exitCode = ExitCode.checkFailed;
      return;
    }
    throw error;
  }
}

/**
 * Builds the `--json` object of a failed publish: the plan fields when the
 * plan was built, the tags this run wrote, and the error's code and message.
 */
export function failureToJson(progress: PublishProgress, error: unknown): object {
  const code = isTagkeeperError(error) ? error.code : 'UNEXPECTED_ERROR';
  const message = error instanceof Error ? error.message : String(error);
  return {
    ...(progress.plan === undefined ? {} : planToJson(progress.plan)),
    written: progress.written,
    error: { code, message },
  };
}

async function publishAndReport(sourceText: string, targetText: string, flags: PublishFlags, state: PublishProgress): Promise<void> {
  const source = parseReference(sourceText);
  const target = parseRepository(targetText);
  const revision = parseRevisionFlag(flags.revision);
  const timeoutMs = parseTimeoutFlag(flags.verifyTimeout);
  const client = await createRegistryClient(flags, [...new Set([source.registry, target.registry])]);
  const progress = flags.json ? () => undefined : (line: string) => process.stderr.write(`${line}\n`);

  let result: PublishResult;
  try {
    result = await publish({
      source,
      target,
      version: flags.version,
      distro: flags.distro,
      revision,
      policyFile: flags.policy,
      defaultDistro: flags.defaultDistro,
      dryRun: flags.dryRun,
      skipIfUnchanged: flags.skipIfUnchanged,
      verify:
        flags.verify === undefined
          ? undefined
          : { command: flags.verify, timeoutMs, onOutput: (chunk) => process.stderr.write(chunk) },
      client,
      onEvent: (event) => {
        recordEvent(event, state);
        reportEvent(event, progress, { json: flags.json === true, dryRun: flags.dryRun === true });
      },
    });
  } finally {
    await client.close();
  }

  if (flags.json) {
    printJson(planToJson(result.plan));
    return;
  }
  process.stdout.write(`${describeOutcome(result)}\n`);
}

function recordEvent(event: PublishEvent, state: PublishProgress): void {
  if (event.type === 'planned') {
    state.plan = event.plan;
  } else if (event.type === 'tag-written') {
    state.written.push(event.tag);
  }
}

function reportEvent(event: PublishEvent, progress: (line: string) => void, mode: { json: boolean; dryRun: boolean }): void {
  switch (event.type) {
    case 'planned':
      if (!mode.json) {
        process.stdout.write(`${formatPlan(event.plan, { dryRun: mode.dryRun })}\n\n`);
      }
      return;
    case 'copy-started':
      progress(`copying ${event.source} into ${event.target}`);
      return;
    case 'copy-finished': {
      const { blobsCopied = 0, blobsMounted = 0, blobsSkipped = 0 } = event.result;
      progress(`copied ${event.result.digest}: ${blobsCopied} blobs copied, ${blobsMounted} mounted, ${blobsSkipped} already there`);
      return;
    }
    case 'verify-started':
      progress(`running release gate: ${event.command}`);
      return;
    case 'verify-passed':
      progress('release gate passed');
      return;
    case 'tag-written':
      progress(`${event.from === undefined ? 'created' : 'moved'} ${event.tag}`);
      return;
    case 'tag-already-set':
      progress(`${event.tag} already points to the image`);
      return;
    case 'read-back-passed':
      progress(`read back ${event.tags.length} tags: all point to the image`);
      return;
  }
}

/** Shortens a digest for tables: `sha256:` and the first 12 hex characters. */
export function shortDigest(digest: string | undefined): string {
  if (digest === undefined) {
    return '-';
  }
  const colon = digest.indexOf(':');
  return colon === -1 ? digest : digest.slice(0, colon + 13);
}

/**
 * Formats a plan for a terminal: a heading and one table row per tag, in
 * write order. With `dryRun`, the heading shows the copy as one that would happen.
 */
export function formatPlan(plan: ReleasePlan, options: { dryRun?: boolean } = {}): string {
  let copy = '';
  if (plan.copy) {
    copy = options.dryRun ? `, from ${plan.source} (would be copied)` : `, copied from ${plan.source}`;
  }
  const heading = [
    `release ${plan.version} on ${plan.distro} into ${formatRepository(plan.target)}`,
    `image ${plan.digest}${copy}`,
    `revision ${plan.revision}: ${plan.revisionChoice.reason}`,
  ];
  const rows = plan.operations.map((operation) => [
    operation.tag,
    operation.action,
    shortDigest(operation.from),
    shortDigest(operation.to),
    operation.reason,
  ]);
  return `${heading.join('\n')}\n\n${formatTable(['TAG', 'ACTION', 'FROM', 'TO', 'REASON'], rows)}`;
}

/** Returns the closing line of a publish. */
export function describeOutcome(result: PublishResult): string {
  const writes = result.applied?.written.length ?? 0;
  switch (result.outcome) {
    case 'planned':
      return 'dry run: nothing was copied or written';
    case 'up-to-date':
      return `nothing to do: ${result.immutable} and its rolling tags already point to ${result.digest}`;
    case 'unchanged':
      return writes === 0
        ? `no new revision: ${result.plan.revisionChoice.reason}`
        : `no new revision: ${result.plan.revisionChoice.reason}; ${writes} tags it lacked were written`;
    case 'published':
      return `published ${result.immutable} (${result.digest}): ${writes} tags written`;
  }
}

function parseRevisionFlag(text: string): 'auto' | number {
  if (text === 'auto') {
    return 'auto';
  }
  return parseRevisionText(text);
}

function parseTimeoutFlag(text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined;
  }
  const seconds = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || seconds <= 0) {
    throw new ReleaseOptionsError('--verify-timeout', `"${text}"; expected a number of seconds above 0`);
  }
  return Math.round(seconds * 1000);
}
