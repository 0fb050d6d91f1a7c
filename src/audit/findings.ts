/**
 * Audit findings: what a rule reports about one tag or one repository, and
 * how severe it is.
 */

/** Severity of a finding, from the most to the least severe. */
export type Severity = 'critical' | 'error' | 'warning' | 'info';

/** Every severity, the most severe first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'error', 'warning', 'info'];

/** The rules an audit applies, and `unreachable` for a repository or tag it could not read. */
export type AuditRule =
  | 'rewritten-immutable'
  | 'deleted-immutable'
  | 'stale-rolling'
  | 'orphan-rolling'
  | 'missing-rolling'
  | 'revision-gap'
  | 'duplicate-revision'
  | 'foreign-tag'
  | 'runs-as-root'
  | 'max-age'
  | 'default-distro'
  | 'level-not-in-policy'
  | 'unreachable';

/** The severity each rule reports at. */
export const RULE_SEVERITY: Readonly<Record<AuditRule, Severity>> = {
  'rewritten-immutable': 'critical',
  'deleted-immutable': 'critical',
  'stale-rolling': 'error',
  'orphan-rolling': 'error',
  'missing-rolling': 'warning',
  'revision-gap': 'warning',
  'duplicate-revision': 'warning',
  'foreign-tag': 'info',
  'runs-as-root': 'error',
  'max-age': 'warning',
  'default-distro': 'error',
  'level-not-in-policy': 'warning',
  unreachable: 'error',
};

/** One thing an audit found. */
export interface AuditFinding {
  rule: AuditRule;
  severity: Severity;
  /** The tag the finding is about, or null when it is about the whole repository. */
  tag: string | null;
  /** Value the scheme expects (a digest, a tag, a user), or null when the rule has no expected value. */
  expected: string | null;
  /** Value the registry has, or null when there is nothing (a missing tag). */
  actual: string | null;
  /** One sentence for people: what is wrong and on which tag. */
  message: string;
}

/** The threshold of `--fail-on`: the least severe finding that fails the audit, or `never`. */
export type FailOn = 'error' | 'warning' | 'never';

/** The `--fail-on` values. */
export const FAIL_ON_VALUES: readonly FailOn[] = ['error', 'warning', 'never'];

/** Builds a finding with the severity of its rule. */
export function finding(
  rule: AuditRule,
  tag: string | null,
  message: string,
  values: { expected?: string | null; actual?: string | null } = {},
): AuditFinding {
  return {
    rule,
    severity: RULE_SEVERITY[rule],
    tag,
    expected: values.expected ?? null,
    actual: values.actual ?? null,
    message,
  };
}

/** Ranks a severity: 0 for critical, growing as severity falls. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/**
 * Returns true when `severity` fails an audit run with `failOn`. Critical
 * counts as above error, so `error` fails on critical and error findings.
 */
export function failsAudit(severity: Severity, failOn: FailOn): boolean {
  if (failOn === 'never') {
    return false;
  }
  return severityRank(severity) <= severityRank(failOn);
}

/**
 * Sorts findings for reports: the most severe first, then by tag (repository
 * findings before tag findings), then by rule, so two runs over the same
 * registry print the same lines in the same order.
 */
export function compareFindings(left: AuditFinding, right: AuditFinding): number {
  const bySeverity = severityRank(left.severity) - severityRank(right.severity);
  if (bySeverity !== 0) {
    return bySeverity;
  }
  const byTag = (left.tag ?? '').localeCompare(right.tag ?? '', 'en', { numeric: true });
  if (byTag !== 0) {
    return byTag;
  }
  return left.rule.localeCompare(right.rule);
}
