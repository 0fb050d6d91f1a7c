import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { TagkeeperError } from '../../errors.js';
import {
  createRegistryResolver,
  PIN_MODES,
  pinValues,
  readValuesImages,
  type PinMode,
  type PinnedImage,
  type PinResult,
} from '../../helm/index.js';
import type { PlatformRequest } from '../../registry/platform.js';
import { ExitCode, formatTable, printJson, reportError } from '../output.js';
import { addRegistryOptions, createRegistryClient, parsePlatformOption, type RegistryFlags } from '../registry-options.js';

/** Options of `tagkeeper pin`, as commander parses them. */
interface PinFlags extends RegistryFlags {
  mode: PinMode;
  platform?: PlatformRequest;
  check?: boolean;
  dryRun?: boolean;
  json?: boolean;
  chart?: string;
  policy?: string;
  defaultDistro?: string;
}

/** The arguments of `pin` do not name anything to pin. */
export class PinArgumentError extends TagkeeperError {
  override readonly name = 'PinArgumentError';
  readonly code = 'INVALID_ARGUMENT';
}

/**
 * Registers `tagkeeper pin FILE...`, which pins the images of Helm values
 * files to immutable tags, digests or both.
 */
export function registerPinCommand(program: Command): void {
  const command = program
    .command('pin')
    .description('Pin the images of Helm values files to immutable tags, digests or both, changing only those values')
    .argument('[file...]', 'values files to pin in place (default with --chart: DIR/values.yaml)')
    .addOption(new Option('--mode <mode>', 'what to pin: the immutable tag, the digest, or both').choices(PIN_MODES).default('tag'))
    .option('--platform <os/arch[/variant]>', "pin the digest of this platform's manifest instead of the index, such as linux/arm64", parsePlatformOption)
    .option('--check', 'change nothing; exit 1 when any image is not pinned (for CI)')
    .option('--dry-run', 'change nothing; print the changes as a unified diff')
    .option('--json', 'print every image found, with its path, old and new value or skip reason, as JSON')
    .option('--chart <dir>', "also update the images annotation of the chart's Chart.yaml")
    .option('--policy <file>', 'tag policy file of the repositories, JSON or YAML (default: every rolling level)')
    .option('--default-distro <distro>', 'distro that tags without a distro stand for (default: try every published distro)');
  addRegistryOptions(command).action(async (files: string[], flags: PinFlags) => {
    try {
      process.exitCode = await runPin(files, flags);
    } catch (error) {
      process.exitCode = reportError(error);
    }
  });
}

async function runPin(files: string[], flags: PinFlags): Promise<number> {
  const targets = [...files];
  if (targets.length === 0 && flags.chart !== undefined) {
    targets.push(join(flags.chart, 'values.yaml'));
  }
  if (targets.length === 0) {
    throw new PinArgumentError('name at least one values file, or a chart folder with --chart DIR');
  }

  const registries = new Set<string>();
  for (const image of await readValuesImages(targets)) {
    if (image.reference !== undefined) registries.add(image.reference.registry);
  }
  const client = await createRegistryClient(flags, [...registries]);
  let result: PinResult;
  try {
    const resolver = await createRegistryResolver({ client, policyFile: flags.policy, defaultDistro: flags.defaultDistro });
    result = await pinValues(targets, {
      resolver,
      mode: flags.mode,
      write: !flags.check && !flags.dryRun,
      ...(flags.platform === undefined ? {} : { platform: flags.platform }),
      ...(flags.chart === undefined ? {} : { chartDir: flags.chart }),
    });
  } finally {
    await client.close();
  }

  if (flags.json) {
    printJson(toJson(result, flags.dryRun === true));
  } else {
    printHuman(result, flags);
  }
  return flags.check && !result.pinned ? ExitCode.checkFailed : ExitCode.ok;
}

function toJson(result: PinResult, withDiff: boolean): object {
  return {
    pinned: result.pinned,
    images: result.images,
    files: result.files.map((file) => ({ file: file.file, changed: file.changed, written: file.written, ...(withDiff ? { diff: file.diff } : {}) })),
    ...(result.chart === undefined
      ? {}
      : { chart: { ...result.chart, diff: withDiff ? result.chart.diff : undefined } }),
  };
}

function printHuman(result: PinResult, flags: PinFlags): void {
  if (flags.dryRun) {
    for (const diff of [...result.files.map((file) => file.diff), result.chart?.diff ?? '']) {
      if (diff !== '') process.stdout.write(diff);
    }
  }

  const listed = flags.check ? result.images.filter((image) => image.status === 'changed' || image.status === 'unpinned') : result.images;
  const out = flags.dryRun ? process.stderr : process.stdout;
  if (listed.length > 0) {
    const rows = listed.map((image) => [`${image.file}:${image.line}`, image.path || '(comment)', statusLabel(image, flags), detail(image)]);
    out.write(`${formatTable(['LOCATION', 'PATH', 'STATUS', 'DETAIL'], rows)}\n`);
  }
  if (result.chart?.note !== undefined) {
    process.stderr.write(`tagkeeper: warning: ${result.chart.note}\n`);
  }
  out.write(`${summary(result, flags)}\n`);
}

function statusLabel(image: PinnedImage, flags: PinFlags): string {
  if (image.status !== 'changed') return image.status;
  return flags.check || flags.dryRun ? 'to pin' : 'pinned now';
}

function detail(image: PinnedImage): string {
  if (image.status === 'changed') {
    return `${image.old} -> ${image.new ?? ''}${image.reason === undefined ? '' : ` (${image.reason})`}`;
  }
  if (image.status === 'pinned') {
    return image.reason === undefined ? image.old : `${image.old} (${image.reason})`;
  }
  return `${image.old}: ${image.reason ?? ''}`;
}

function summary(result: PinResult, flags: PinFlags): string {
  const count = (status: PinnedImage['status']) => result.images.filter((image) => image.status === status).length;
  const changed = count('changed');
  const files = result.files.filter((file) => file.changed).length;
  const action = flags.check || flags.dryRun ? `${changed} to pin in ${files} file${files === 1 ? '' : 's'}` : `${changed} pinned in ${files} file${files === 1 ? '' : 's'}`;
  return `${result.images.length} images: ${action}, ${count('pinned')} already pinned, ${count('unpinned')} cannot be pinned, ${count('skipped')} skipped`;
}
