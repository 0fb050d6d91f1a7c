/**
 * `audit(options)`: checks repositories against the tag scheme and returns a
 * report. Repositories come from the options, from a registry's catalog, or
 * both; all of them share one bounded request queue and one digest cache.
 */
import { isRegistryError } from '../registry/errors.js';
import { parseRepository } from '../registry/reference.js';
import { mapWithConcurrency } from '../release/concurrency.js';
import { parseTagPolicy, type TagPolicy, type TagPolicyInput } from '../scheme/policy.js';
import { parseDuration } from './duration.js';
import { AuditOptionError, CatalogUnavailableError } from './errors.js';
import { AuditFetcher, DEFAULT_AUDIT_CONCURRENCY } from './fetcher.js';
import { readLedger, recordedRepositories, recordedTags, writeLedger } from './ledger.js';
import type { AuditRegistry, RepositoryName } from './ports.js';
import type { AuditProgress } from './progress.js';
import { buildReport, type AuditReport } from './report.js';
import { auditRepository } from './repository-audit.js';

/** Highest `concurrency` accepted; more parallel requests only earn 429 responses. */
export const MAX_AUDIT_CONCURRENCY = 256;

/** Options of an audit: the repositories, the policy and the checks. */
export interface AuditOptions {
  /** The registry to read, such as `clientAuditRegistry(new RegistryClient())`. */
  registry: AuditRegistry;
  /** Repositories to audit: `ghcr.io/acme/etcd` or `{ registry, repository }`. */
  repositories?: ReadonlyArray<string | RepositoryName>;
  /** A registry host whose every repository (`GET /v2/_catalog`) is audited too. */
  catalog?: string;
  /** The tag policy; defaults as in `parseTagPolicy({})`. */
  policy?: TagPolicy | TagPolicyInput;
  /** Default distro, overriding the policy's `defaultDistro`. */
  defaultDistro?: string;
  /** Path of the ledger file to check immutable tags against, created when missing and extended. */
  ledger?: string;
  /** Reports rolling tags whose image runs as root. */
  requireNonRoot?: boolean;
  /** Reports rolling tags whose image is older: a duration (`7d`) or milliseconds. */
  maxAge?: string | number;
  /** Registry requests in flight at once for the whole run; default 8. */
  concurrency?: number;
  /** The time the audit runs at, for ages and ledger entries; default now. */
  now?: Date;
  /** Receives progress as tags are read. */
  onProgress?: (progress: AuditProgress) => void;
}

/**
 * Audits every repository of `options` and returns the report. Errors that
 * reach one repository or tag are findings of rule `unreachable`; the audit
 * goes on with the others.
 *
 * @throws AuditOptionError for invalid options (no repository, a bad duration or concurrency).
 * @throws TagPolicyError for an invalid policy or default distro.
 * @throws InvalidReferenceError for a repository name that is not one.
 * @throws LedgerError when the ledger file cannot be read, parsed or written.
 * @throws CatalogUnavailableError when `catalog` is set and the registry does not list its repositories.
 */
export async function audit(options: AuditOptions): Promise<AuditReport> {
  const concurrency = checkConcurrency(options.concurrency ?? DEFAULT_AUDIT_CONCURRENCY);
  const maxAgeMs = typeof options.maxAge === 'string' ? parseDuration(options.maxAge) : checkMaxAge(options.maxAge);
  const policy = parseTagPolicy({
    ...options.policy,
    ...(options.defaultDistro === undefined ? {} : { defaultDistro: options.defaultDistro }),
  });
  const named = (options.repositories ?? []).map(toRepositoryName);
  if (named.length === 0 && options.catalog === undefined) {
    throw new AuditOptionError('REPO', 'no repository to audit: name repositories such as ghcr.io/acme/etcd, or a registry with --catalog');
  }
  const ledger = options.ledger === undefined ? undefined : await readLedger(options.ledger);
  const now = options.now ?? new Date();

  const progress: AuditProgress = { repositoriesDone: 0, repositoriesTotal: 0, tagsDone: 0, tagsTotal: 0, requests: 0 };
  const report = () => options.onProgress?.({ ...progress });
  const fetcher = new AuditFetcher(options.registry, concurrency, () => {
    progress.requests += 1;
    report();
  });

  // Grouped once for the run. Tags recorded during the run are listed ones, which cannot be deleted ones.
  const recorded = ledger === undefined ? undefined : recordedTags(ledger);
  const catalog = options.catalog === undefined ? [] : await listCatalog(fetcher, options.catalog);
  // Repositories the ledger records but the catalog no longer lists are audited too, so their deleted
  // immutable tags are reported.
  const gone = options.catalog === undefined || recorded === undefined ? [] : recordedRepositories(recorded, options.catalog).map(toRepositoryName);
  const repositories = dedupe([...named, ...catalog, ...gone]);
  progress.repositoriesTotal = repositories.length;
  report();

  // Repository audits only schedule requests; the fetcher's queue bounds
  // them, and this bound only keeps the number of pending promises small.
  const reports = await mapWithConcurrency(repositories, concurrency * 4, async (repository) => {
    const result = await auditRepository(repository, {
      fetcher,
      policy,
      ledger,
      recorded,
      configRules: { requireNonRoot: options.requireNonRoot ?? false, maxAgeMs, now },
      onListed: (tags) => {
        progress.tagsTotal += tags;
        report();
      },
      onTagRead: () => {
        progress.tagsDone += 1;
        report();
      },
    });
    progress.repositoriesDone += 1;
    report();
    return result;
  });

  if (options.ledger !== undefined && ledger !== undefined) {
    await writeLedger(options.ledger, ledger);
  }
  return buildReport(reports);
}

async function listCatalog(fetcher: AuditFetcher, registry: string): Promise<RepositoryName[]> {
  let names: string[];
  try {
    names = await fetcher.listRepositories(registry);
  } catch (error) {
    if (isRegistryError(error)) {
      const reason = error.status === undefined ? error.message : `HTTP ${error.status}${error.errors[0] ? ` ${error.errors[0].code}` : ''}`;
      throw new CatalogUnavailableError(registry, reason, { cause: error });
    }
    throw error;
  }
  return names.map((repository) => ({ registry, repository }));
}

function toRepositoryName(input: string | RepositoryName): RepositoryName {
  const parsed = parseRepository(typeof input === 'string' ? input : `${input.registry}/${input.repository}`);
  return { registry: parsed.registry, repository: parsed.repository };
}

function dedupe(repositories: RepositoryName[]): RepositoryName[] {
  const seen = new Set<string>();
  return repositories.filter((repository) => {
    const key = `${repository.registry}/${repository.repository}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

function checkConcurrency(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_AUDIT_CONCURRENCY) {
    throw new AuditOptionError(
      '--concurrency',
      `invalid concurrency ${String(value)}: expected a whole number from 1 to ${MAX_AUDIT_CONCURRENCY}`,
    );
  }
  return value;
}

function checkMaxAge(value: number | undefined): number | undefined {
  if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
    throw new AuditOptionError('--max-age', `invalid maximum age ${String(value)} ms: expected a positive whole number of milliseconds`);
  }
  return value;
}
