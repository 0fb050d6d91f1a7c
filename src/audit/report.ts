/** The result of an audit, in the shape `tagkeeper audit --format json` prints. */
import { compareFindings, failsAudit, SEVERITIES, type AuditFinding, type FailOn, type Severity } from './findings.js';

/** The findings of one repository. */
export interface RepositoryReport {
  /** `registry/repository`, such as `ghcr.io/acme/etcd`. */
  repository: string;
  /** Number of tags the registry listed, 0 when the repository could not be read. */
  tags: number;
  /** Findings, the most severe first. */
  findings: AuditFinding[];
}

/** Totals over all repositories. */
export interface AuditSummary {
  repositories: number;
  tags: number;
  findings: Record<Severity, number>;
}

/** The whole audit. */
export interface AuditReport {
  /** Repositories in the order they were named or listed by the catalog. */
  repositories: RepositoryReport[];
  summary: AuditSummary;
}

/** Builds a report from the repository reports, sorting each one's findings and adding the summary. */
export function buildReport(repositories: RepositoryReport[]): AuditReport {
  const sorted = repositories.map((repository) => ({
    ...repository,
    findings: [...repository.findings].sort(compareFindings),
  }));
  return { repositories: sorted, summary: summarize(sorted) };
}

/** Counts repositories, tags and findings by severity. */
export function summarize(repositories: readonly RepositoryReport[]): AuditSummary {
  const findings = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  let tags = 0;
  for (const repository of repositories) {
    tags += repository.tags;
    for (const item of repository.findings) {
      findings[item.severity] += 1;
    }
  }
  return { repositories: repositories.length, tags, findings };
}

/** Returns true when the report has a finding at or above `failOn`, which makes `tagkeeper audit` exit with 1. */
export function reportFails(report: AuditReport, failOn: FailOn): boolean {
  return SEVERITIES.some((severity) => report.summary.findings[severity] > 0 && failsAudit(severity, failOn));
}
