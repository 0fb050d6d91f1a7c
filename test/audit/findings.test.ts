import { describe, expect, it } from 'vitest';
import { compareFindings, failsAudit, finding, RULE_SEVERITY, type FailOn, type Severity } from '../../src/audit/findings.js';
import { buildReport, reportFails } from '../../src/audit/report.js';

describe('failsAudit', () => {
  const cases: Array<[Severity, FailOn, boolean]> = [
    ['critical', 'error', true],
    ['error', 'error', true],
    ['warning', 'error', false],
    ['info', 'error', false],
    ['critical', 'warning', true],
    ['error', 'warning', true],
    ['warning', 'warning', true],
    ['info', 'warning', false],
    ['critical', 'never', false],
    ['error', 'never', false],
  ];
  it.each(cases)('%s with --fail-on %s fails: %s', (severity, failOn, expected) => {
    expect(failsAudit(severity, failOn)).toBe(expected);
  });
});

describe('rule severities', () => {
  it('rank changed immutable tags highest', () => {
    const critical = Object.entries(RULE_SEVERITY).filter(([, severity]) => severity === 'critical');
    expect(critical.map(([rule]) => rule).sort()).toEqual(['deleted-immutable', 'rewritten-immutable']);
  });

  it.each([
    ['stale-rolling', 'error'],
    ['orphan-rolling', 'error'],
    ['missing-rolling', 'warning'],
    ['revision-gap', 'warning'],
    ['duplicate-revision', 'warning'],
    ['foreign-tag', 'info'],
    ['runs-as-root', 'error'],
    ['max-age', 'warning'],
    ['unreachable', 'error'],
  ] as const)('%s is %s', (rule, severity) => {
    expect(finding(rule, 't', 'm').severity).toBe(severity);
  });
});

describe('report', () => {
  const findings = [
    finding('foreign-tag', 'nightly', 'm'),
    finding('missing-rolling', '3', 'm'),
    finding('stale-rolling', '10', 'm'),
    finding('stale-rolling', '9', 'm'),
    finding('rewritten-immutable', '1.0.0-debian-12-r0', 'm'),
    finding('unreachable', null, 'm'),
  ];

  it('sorts findings by severity, then tag in numeric order', () => {
    expect([...findings].sort(compareFindings).map((item) => `${item.rule} ${item.tag ?? '-'}`)).toEqual([
      'rewritten-immutable 1.0.0-debian-12-r0',
      'unreachable -',
      'stale-rolling 9',
      'stale-rolling 10',
      'missing-rolling 3',
      'foreign-tag nightly',
    ]);
  });

  it('counts findings by severity', () => {
    const report = buildReport([
      { repository: 'r/a', tags: 3, findings },
      { repository: 'r/b', tags: 4, findings: [] },
    ]);
    expect(report.summary).toEqual({ repositories: 2, tags: 7, findings: { critical: 1, error: 3, warning: 1, info: 1 } });
  });

  it.each([
    [['foreign-tag'], 'error', false],
    [['foreign-tag'], 'warning', false],
    [['missing-rolling'], 'error', false],
    [['missing-rolling'], 'warning', true],
    [['stale-rolling'], 'error', true],
    [['rewritten-immutable'], 'error', true],
    [['rewritten-immutable'], 'never', false],
    [[], 'warning', false],
  ] as const)('findings %j with --fail-on %s fail: %s', (rules, failOn, expected) => {
    const report = buildReport([{ repository: 'r/a', tags: 1, findings: rules.map((rule) => finding(rule, 't', 'm')) }]);
    expect(reportFails(report, failOn)).toBe(expected);
  });
});
