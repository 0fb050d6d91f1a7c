import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { TagkeeperError } from '../../errors.js';
import { applyDefaultDistro } from '../../release/policy.js';
import {
  checkDistro,
  computeTagSet,
  loadTagPolicyFile,
  parseRevisionText,
  parseTagList,
  parseTagPolicy,
  ROLLING_LEVELS,
  type TagPolicyInput,
  type TagSet,
} from '../../scheme/index.js';
import { formatTable, printJson } from '../output.js';

/** Options of `tagkeeper tags`, as commander parses them. */
interface TagsOptions {
  version: string;
  distro: string;
  revision?: string;
  defaultDistro?: string;
  levels?: string;
  latest?: string;
  latestBranch?: string;
  existing?: string;
  policy?: string;
  json?: boolean;
}

/** The `--existing` tag list could not be read. */
class TagListReadError extends TagkeeperError {
  override readonly name = 'TagListReadError';
  readonly code = 'INVALID_ARGUMENT';
}

/**
 * Registers `tagkeeper tags`, which prints the immutable tag of a release and
 * which rolling tags move to it.
 */
export function registerTagsCommand(program: Command): void {
  program
    .command('tags')
    .description('Compute the immutable tag of a release and which rolling tags move to it')
    .requiredOption('--version <version>', 'upstream version of the release, such as 3.4.13')
    .requiredOption('--distro <distro>', 'distro of the build, such as debian-12')
    .option('--revision <n>', 'revision of the build (default: one more than the newest published, or 0)')
    .option(
      '--default-distro <distro>',
      'distro that tags without a distro stand for (default: the one in --policy, else --distro when --existing has no other distro)',
    )
    .option('--levels <list>', `comma-separated rolling levels: ${ROLLING_LEVELS.join(', ')}`)
    .option('--latest <mode>', 'how latest moves: auto, never or always (default: auto)')
    .option('--latest-branch <branch>', 'release line that latest follows, such as 3.5')
    .option('--existing <file>', 'published tags, one a line; "-" reads standard input')
    .option('--policy <file>', 'tag policy file, JSON or YAML; the flags above override its fields')
    .option('--json', 'print one JSON object instead of a table')
    .action(async (options: TagsOptions) => {
      await runTags(options);
    });
}

async function runTags(options: TagsOptions): Promise<void> {
  // Checked first: --distro is also the default distro when nothing else names one.
  checkDistro(options.distro);
  const policyInput = await buildPolicy(options);
  const published = options.existing === undefined ? [] : await readTagList(options.existing);
  const policy = applyDefaultDistro(
    parseTagPolicy(policyInput),
    options.distro,
    published,
    `the --existing list (${options.existing === '-' ? 'standard input' : options.existing})`,
  );
  const tagSet = computeTagSet(
    { version: options.version, distro: options.distro, revision: parseRevision(options.revision) },
    published,
    policy,
  );
  if (options.json) {
    printJson(toJson(tagSet));
  } else {
    process.stdout.write(`${formatTagSet(tagSet)}\n`);
  }
}

async function buildPolicy(options: TagsOptions): Promise<TagPolicyInput> {
  const fromFile: TagPolicyInput = options.policy === undefined ? {} : await loadTagPolicyFile(options.policy);
  const overrides: TagPolicyInput = {};
  if (options.levels !== undefined) {
    overrides.levels = options.levels
      .split(',')
      .map((level) => level.trim())
      .filter((level) => level !== '') as TagPolicyInput['levels'];
  }
  if (options.latest !== undefined) {
    overrides.latest = options.latest as TagPolicyInput['latest'];
  }
  if (options.latestBranch !== undefined) {
    overrides.latestBranch = options.latestBranch;
  }
  if (options.defaultDistro !== undefined) {
    overrides.defaultDistro = options.defaultDistro;
  }
  return { ...fromFile, ...overrides };
}

function parseRevision(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseRevisionText(text);
}

async function readTagList(path: string): Promise<string[]> {
  const source = path === '-' ? 'standard input' : path;
  let text: string;
  try {
    text = path === '-' ? await readStandardInput() : await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    let reason = (error as Error).message;
    if (code === 'ENOENT') reason = 'file not found';
    if (code === 'EISDIR') reason = 'it is a folder, not a file';
    throw new TagListReadError(`cannot read --existing ${source}: ${reason}`, { cause: error });
  }
  return parseTagList(text, source);
}

async function readStandardInput(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function toJson(tagSet: TagSet): object {
  return {
    version: tagSet.version.text,
    distro: tagSet.distro,
    revision: tagSet.revision,
    immutable: tagSet.immutable,
    rolling: tagSet.moves,
    skipped: tagSet.rolling.flatMap((decision) => (decision.moves ? [] : [{ tag: decision.tag, reason: decision.reason }])),
  };
}

function formatTagSet(tagSet: TagSet): string {
  const rows = [
    [tagSet.immutable, 'immutable', tagSet.immutableExists ? 'exists' : 'create', ''],
    ...tagSet.rolling.map((decision) =>
      decision.moves ? [decision.tag, decision.level, 'move', ''] : [decision.tag, decision.level, 'keep', decision.reason],
    ),
  ];
  const heading = `${tagSet.version.text} on ${tagSet.distro}, revision ${tagSet.revision}`;
  return `${heading}\n\n${formatTable(['TAG', 'LEVEL', 'ACTION', 'REASON'], rows)}`;
}
