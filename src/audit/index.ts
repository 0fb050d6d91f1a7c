/**
 * Audits of registries against the tag scheme: stale, orphan and missing
 * rolling tags, rewritten immutable tags (with a ledger), revision gaps and
 * duplicates, foreign tags, and image-config checks of rolling tags.
 *
 * @module
 */
export { audit, MAX_AUDIT_CONCURRENCY, type AuditOptions } from './audit.js';
export { clientAuditRegistry, MAX_CONFIG_BYTES } from './client-registry.js';
export { parseDuration, formatDuration } from './duration.js';
export {
  AuditOptionError,
  CatalogUnavailableError,
  InvalidConfigError,
  LedgerError,
  UnsupportedManifestError,
} from './errors.js';
export { DEFAULT_AUDIT_CONCURRENCY, type FetchCounts } from './fetcher.js';
export {
  FAIL_ON_VALUES,
  RULE_SEVERITY,
  SEVERITIES,
  compareFindings,
  failsAudit,
  type AuditFinding,
  type AuditRule,
  type FailOn,
  type Severity,
} from './findings.js';
export { REPORT_FORMATS, formatReport, formatSummary, type ReportFormat } from './format.js';
export { runsAsRoot, type PlatformImage } from './image-config.js';
export {
  Ledger,
  LedgerEntry,
  emptyLedger,
  ledgerKey,
  parseLedger,
  readLedger,
  recordImmutableTags,
  writeLedger,
  type LedgerMismatch,
} from './ledger.js';
export type { AuditManifest, AuditRegistry, ManifestDescriptor as AuditManifestDescriptor, RepositoryName as AuditRepositoryName } from './ports.js';
export { createProgressBar, type AuditProgress, type ProgressReporter, type ProgressStream } from './progress.js';
export { buildReport, reportFails, summarize, type AuditReport, type AuditSummary, type RepositoryReport } from './report.js';
