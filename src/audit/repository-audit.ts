/**
 * The audit of one repository: list its tags once, read each scheme tag's
 * digest with one HEAD, then apply every rule to what was read. Registry
 * errors become `unreachable` findings, so one bad repository or tag does not
 * stop the audit of the others.
 */
import { isNotFoundError, isRegistryError } from '../registry/errors.js';
import type { TagPolicy } from '../scheme/policy.js';
import { parseTag, type ForeignTag, type ImmutableTag, type RollingTag, type SchemeTag } from '../scheme/tag.js';
import { isTagkeeperError } from '../errors.js';
import type { AuditFetcher } from './fetcher.js';
import { finding, type AuditFinding } from './findings.js';
import { platformImages } from './image-config.js';
import { findDeletedTags, recordImmutableTags, type Ledger, type RecordedTags } from './ledger.js';
import { formatRepositoryName, type RepositoryName } from './ports.js';
import type { RepositoryReport } from './report.js';
import { listForeignTags } from './rules/foreign.js';
import { checkImageConfigs, configRulesEnabled, type ConfigRuleOptions } from './rules/image-config.js';
import { reportDeletedTags, reportRewrittenTags } from './rules/ledger.js';
import { checkDuplicateRevisions, checkRevisionGaps } from './rules/revisions.js';
import { checkRollingTags, resolveDefaultDistro } from './rules/rolling.js';

/** Shared state and options of the run, passed to the audit of each repository. */
export interface RepositoryAuditContext {
  fetcher: AuditFetcher;
  policy: TagPolicy;
  /** The ledger of the run, or undefined without `--ledger`; new immutable tags are added to it. */
  ledger: Ledger | undefined;
  /** The ledger's entries by repository as the run started, or undefined without `--ledger`. */
  recorded?: RecordedTags;
  configRules: ConfigRuleOptions;
  /** Called when the tags are listed, with their number. */
  onListed?: (tags: number) => void;
  /** Called when one tag has been read. */
  onTagRead?: () => void;
}

/** The tags of a repository sorted by kind. */
interface ClassifiedTags {
  immutable: ImmutableTag[];
  rolling: RollingTag[];
  foreign: ForeignTag[];
}

/** Audits `repository` and returns its report. Throws only for errors that are not about the registry or its content. */
export async function auditRepository(repository: RepositoryName, context: RepositoryAuditContext): Promise<RepositoryReport> {
  const name = formatRepositoryName(repository);
  let tags: string[];
  try {
    tags = await context.fetcher.listTags(repository);
  } catch (error) {
    if (!(isNotFoundError(error) && (context.recorded?.get(name)?.size ?? 0) > 0)) {
      context.onListed?.(0);
      return { repository: name, tags: 0, findings: [unreachable(null, `cannot list the tags of ${name}`, error)] };
    }
    // The repository is gone, but the ledger recorded immutable tags in it: each of them was deleted.
    tags = [];
  }
  context.onListed?.(tags.length);

  const classified = classifyTags(tags);
  const findings: AuditFinding[] = [];
  const digests = await readDigests(repository, [...classified.immutable, ...classified.rolling], context, findings);
  for (let index = 0; index < classified.foreign.length; index += 1) {
    context.onTagRead?.();
  }

  if (context.ledger) {
    findings.push(...checkLedger(context.ledger, context.recorded, name, tags, classified.immutable, digests, context.configRules.now));
  }
  findings.push(...applyTagRules(name, classified, digests, context.policy));

  if (configRulesEnabled(context.configRules)) {
    const readableRolling = classified.rolling.filter((tag) => digests.has(tag.tag));
    findings.push(...(await checkRollingConfigs(repository, readableRolling, digests, context)));
  }
  return { repository: name, tags: tags.length, findings };
}

/** Records new immutable tags in the ledger and reports the ones whose digest changed or that were deleted. */
function checkLedger(
  ledger: Ledger,
  recorded: RecordedTags | undefined,
  name: string,
  listed: readonly string[],
  immutable: readonly ImmutableTag[],
  digests: ReadonlyMap<string, string>,
  now: Date,
): AuditFinding[] {
  const immutableDigests = new Map<string, string>();
  for (const { tag } of immutable) {
    const digest = digests.get(tag);
    if (digest !== undefined) {
      immutableDigests.set(tag, digest);
    }
  }
  const rewritten = reportRewrittenTags(recordImmutableTags(ledger, name, immutableDigests, now));
  return [...rewritten, ...reportDeletedTags(findDeletedTags(recorded?.get(name), new Set(listed)))];
}

/** Applies the rules that need only tags and digests: rolling, revision and foreign-tag rules. */
function applyTagRules(
  name: string,
  classified: ClassifiedTags,
  digests: ReadonlyMap<string, string>,
  policy: TagPolicy,
): AuditFinding[] {
  const repositoryPolicy = resolveDefaultDistro(name, policy, classified.immutable);
  const readableImmutable = classified.immutable.filter((tag) => digests.has(tag.tag));
  return [
    ...repositoryPolicy.findings,
    ...checkRollingTags({
      immutable: classified.immutable,
      rolling: classified.rolling.filter((tag) => digests.has(tag.tag)),
      unreadable: classified.rolling.filter((tag) => !digests.has(tag.tag)),
      digests,
      policy: repositoryPolicy.policy,
    }),
    ...checkRevisionGaps(classified.immutable),
    ...checkDuplicateRevisions(readableImmutable, digests),
    ...listForeignTags(classified.foreign),
  ];
}

/** Sorts tags into immutable, rolling and foreign with the scheme's `parseTag`. */
export function classifyTags(tags: readonly string[]): ClassifiedTags {
  const classified: ClassifiedTags = { immutable: [], rolling: [], foreign: [] };
  for (const tag of tags) {
    const parsed = parseListedTag(tag);
    switch (parsed.kind) {
      case 'immutable':
        classified.immutable.push(parsed);
        break;
      case 'rolling':
        classified.rolling.push(parsed);
        break;
      case 'foreign':
        classified.foreign.push(parsed);
        break;
    }
  }
  return classified;
}

function parseListedTag(tag: string): SchemeTag {
  try {
    return parseTag(tag);
  } catch (error) {
    // A registry that lists a tag outside the OCI grammar still has it; it is
    // reported with the foreign tags rather than failing the repository.
    if (isTagkeeperError(error) && error.code === 'INVALID_TAG') {
      return { kind: 'foreign', tag, reason: error.message };
    }
    throw error;
  }
}

async function readDigests(
  repository: RepositoryName,
  tags: ReadonlyArray<ImmutableTag | RollingTag>,
  context: RepositoryAuditContext,
  findings: AuditFinding[],
): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  await Promise.all(
    tags.map(async ({ tag }) => {
      try {
        const descriptor = await context.fetcher.headManifest({ ...repository, tag });
        digests.set(tag, descriptor.digest);
      } catch (error) {
        findings.push(unreachable(tag, `cannot read the digest of ${tag}`, error));
      } finally {
        context.onTagRead?.();
      }
    }),
  );
  return digests;
}

async function checkRollingConfigs(
  repository: RepositoryName,
  rolling: readonly RollingTag[],
  digests: ReadonlyMap<string, string>,
  context: RepositoryAuditContext,
): Promise<AuditFinding[]> {
  const source = context.fetcher.configSource(repository);
  const perTag = await Promise.all(
    rolling.map(async ({ tag }) => {
      const digest = digests.get(tag) as string;
      try {
        return checkImageConfigs(tag, await platformImages(source, digest), context.configRules);
      } catch (error) {
        return [unreachable(tag, `cannot read the image config of ${tag}`, error)];
      }
    }),
  );
  return perTag.flat();
}

/**
 * Builds the `unreachable` finding for a failed read, or rethrows an error
 * that is no registry or content error, because that is a bug to surface.
 */
function unreachable(tag: string | null, what: string, error: unknown): AuditFinding {
  if (!isRegistryError(error) && !isTagkeeperError(error)) {
    throw error;
  }
  const status = isRegistryError(error) ? (error.status ?? error.code) : error.code;
  return finding('unreachable', tag, `${what}: ${error.message}`, { actual: String(status) });
}
