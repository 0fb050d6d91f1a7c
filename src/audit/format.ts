/**
 * The three forms of an audit report: JSON for scripts, a text table for a
 * terminal, and Markdown for a pull-request comment.
 */
import { formatTable } from '../text-table.js';
import { SEVERITIES, type AuditFinding } from './findings.js';
import type { AuditReport, AuditSummary } from './report.js';

/** The `--format` values. */
export type ReportFormat = 'table' | 'json' | 'markdown';

/** Every `--format` value. */
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'json', 'markdown'];

/** Formats `report` in `format`, ending with a new line. */
export function formatReport(report: AuditReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'table':
      return formatReportTable(report);
    case 'markdown':
      return formatReportMarkdown(report);
  }
}

/** Formats the summary counts as one sentence: `2 repositories, 40 tags: 0 critical, 1 error, 2 warnings, 1 info`. */
export function formatSummary(summary: AuditSummary): string {
  const counts = SEVERITIES.map((severity) => {
    const count = summary.findings[severity];
    const plural = count === 1 || severity === 'critical' || severity === 'info' ? severity : `${severity}s`;
    return `${count} ${plural}`;
  });
  return `${plural(summary.repositories, 'repository', 'repositories')}, ${plural(summary.tags, 'tag', 'tags')}: ${counts.join(', ')}`;
}

/** Shortens a digest to its algorithm and first 12 hex characters, for people; other values stay as they are. */
export function shortDigest(value: string): string {
  const match = /^(sha256|sha512):([0-9a-f]{12})[0-9a-f]+$/.exec(value);
  return match ? `${match[1]}:${match[2]}` : value;
}

function formatReportTable(report: AuditReport): string {
  const sections = report.repositories.map((repository) => {
    const heading = `${repository.repository} (${plural(repository.tags, 'tag', 'tags')})`;
    if (repository.findings.length === 0) {
      return `${heading}: no findings`;
    }
    const rows = repository.findings.map((item) => [
      item.severity,
      item.rule,
      item.tag ?? '-',
      valueCell(item.expected),
      valueCell(item.actual),
      item.message,
    ]);
    return `${heading}\n${indent(formatTable(['SEVERITY', 'RULE', 'TAG', 'EXPECTED', 'ACTUAL', 'MESSAGE'], rows))}`;
  });
  return `${[...sections, formatSummary(report.summary)].join('\n\n')}\n`;
}

function formatReportMarkdown(report: AuditReport): string {
  const { summary } = report;
  const lines = [
    '## tagkeeper audit',
    '',
    '| repositories | tags | critical | error | warning | info |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${summary.repositories} | ${summary.tags} | ${SEVERITIES.map((severity) => summary.findings[severity]).join(' | ')} |`,
  ];
  for (const repository of report.repositories) {
    lines.push('', `### ${markdownText(repository.repository)} (${plural(repository.tags, 'tag', 'tags')})`, '');
    if (repository.findings.length === 0) {
      lines.push('No findings.');
      continue;
    }
    lines.push('| severity | rule | tag | expected | actual | message |', '| --- | --- | --- | --- | --- | --- |');
    lines.push(...repository.findings.map(markdownRow));
  }
  return `${lines.join('\n')}\n`;
}

function markdownRow(item: AuditFinding): string {
  const cells = [
    item.severity,
    item.rule,
    item.tag === null ? '' : markdownCode(item.tag),
    item.expected === null ? '' : markdownCode(shortDigest(item.expected)),
    item.actual === null ? '' : markdownCode(shortDigest(item.actual)),
    markdownText(item.message),
  ];
  return `| ${cells.join(' | ')} |`;
}

function valueCell(value: string | null): string {
  return value === null ? '-' : shortDigest(value);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

// Tags, digests and repository names cannot hold a backtick or a pipe, but
// messages quote values from the registry, such as an image's User field.
function markdownCode(value: string): string {
  return `\`${value.replaceAll('`', "'").replaceAll('|', '\\|')}\``;
}

function markdownText(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll(/[\r\n]+/g, ' ').replaceAll(/([*_`<>[\]])/g, '\\$1');
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
