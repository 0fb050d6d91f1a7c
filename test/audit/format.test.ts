import { describe, expect, it } from 'vitest';
import { finding } from '../../src/audit/findings.js';
import { formatReport, formatSummary, shortDigest } from '../../src/audit/format.js';
import { buildReport } from '../../src/audit/report.js';

const OLD = `sha256:${'1'.repeat(64)}`;
const NEW = `sha256:${'2'.repeat(64)}`;

const REPORT = buildReport([
  {
    repository: 'reg.test/app',
    tags: 12,
    findings: [
      finding('foreign-tag', 'nightly', 'nightly is not a scheme tag: it is not "latest", a version, or <version>-<distro>-r<N>'),
      finding('stale-rolling', '3', '3 points to 3.4.13-debian-12-r1, but the newest build of its scope is 3.5.0-debian-12-r0', {
        expected: NEW,
        actual: OLD,
      }),
      finding('runs-as-root', 'latest', 'latest runs as root (linux/amd64: User "a|b")', { expected: 'a non-root user', actual: 'linux/amd64: User "a|b"' }),
    ],
  },
  { repository: 'reg.test/clean', tags: 1, findings: [] },
]);

describe('JSON report', () => {
  it('has the documented shape', () => {
    const parsed = JSON.parse(formatReport(REPORT, 'json')) as unknown;
    expect(parsed).toEqual({
      repositories: [
        {
          repository: 'reg.test/app',
          tags: 12,
          findings: [
            {
              rule: 'stale-rolling',
              severity: 'error',
              tag: '3',
              expected: NEW,
              actual: OLD,
              message: '3 points to 3.4.13-debian-12-r1, but the newest build of its scope is 3.5.0-debian-12-r0',
            },
            {
              rule: 'runs-as-root',
              severity: 'error',
              tag: 'latest',
              expected: 'a non-root user',
              actual: 'linux/amd64: User "a|b"',
              message: 'latest runs as root (linux/amd64: User "a|b")',
            },
            {
              rule: 'foreign-tag',
              severity: 'info',
              tag: 'nightly',
              expected: null,
              actual: null,
              message: 'nightly is not a scheme tag: it is not "latest", a version, or <version>-<distro>-r<N>',
            },
          ],
        },
        { repository: 'reg.test/clean', tags: 1, findings: [] },
      ],
      summary: { repositories: 2, tags: 13, findings: { critical: 0, error: 2, warning: 0, info: 1 } },
    });
  });
});

describe('table report', () => {
  const text = formatReport(REPORT, 'table');
  const lines = text.split('\n');

  it('heads each repository and aligns its findings', () => {
    expect(lines[0]).toBe('reg.test/app (12 tags)');
    expect(lines[1]).toMatch(/^ {2}SEVERITY +RULE +TAG +EXPECTED +ACTUAL +MESSAGE$/);
    const messageColumn = lines[1]?.indexOf('MESSAGE');
    expect(lines[2]?.indexOf('3 points to')).toBe(messageColumn);
    expect(lines[2]).toContain(`sha256:222222222222  sha256:111111111111`);
    expect(lines[3]?.indexOf('latest runs as root')).toBe(messageColumn);
  });

  it('marks a clean repository and ends with the summary', () => {
    expect(text).toContain('reg.test/clean (1 tag): no findings');
    expect(text.trimEnd().split('\n').at(-1)).toBe('2 repositories, 13 tags: 0 critical, 2 errors, 0 warnings, 1 info');
  });
});

describe('Markdown report', () => {
  const text = formatReport(REPORT, 'markdown');

  it('starts with the summary table', () => {
    expect(text.split('\n').slice(0, 5)).toEqual([
      '## tagkeeper audit',
      '',
      '| repositories | tags | critical | error | warning | info |',
      '| ---: | ---: | ---: | ---: | ---: | ---: |',
      '| 2 | 13 | 0 | 2 | 0 | 1 |',
    ]);
  });

  it('has one row per finding, with short digests', () => {
    expect(text).toContain('### reg.test/app (12 tags)');
    expect(text).toContain('| error | stale-rolling | `3` | `sha256:222222222222` | `sha256:111111111111` |');
    expect(text).toContain('### reg.test/clean (1 tag)\n\nNo findings.');
  });

  it('escapes pipes and markup from the registry', () => {
    const row = text.split('\n').find((line) => line.startsWith('| error | runs-as-root'));
    expect(row).toBe(
      '| error | runs-as-root | `latest` | `a non-root user` | `linux/amd64: User "a\\|b"` | latest runs as root (linux/amd64: User "a\\|b") |',
    );
    expect(text).toContain('\\<version\\>-\\<distro\\>-r\\<N\\>');
  });
});

describe('formatSummary', () => {
  it('uses singular forms for one', () => {
    expect(formatSummary({ repositories: 1, tags: 1, findings: { critical: 1, error: 1, warning: 1, info: 1 } })).toBe(
      '1 repository, 1 tag: 1 critical, 1 error, 1 warning, 1 info',
    );
  });
});

describe('shortDigest', () => {
  it.each([
    [NEW, 'sha256:222222222222'],
    [`sha512:${'3'.repeat(128)}`, 'sha512:333333333333'],
    ['a non-root user', 'a non-root user'],
  ])('shortens %s', (value, expected) => {
    expect(shortDigest(value)).toBe(expected);
  });
});
