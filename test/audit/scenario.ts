/**
 * A clean repository in the fake registry, which each test changes in one
 * way to produce exactly the findings it is about.
 */
import { audit, type AuditOptions } from '../../src/audit/audit.js';
import type { AuditFinding } from '../../src/audit/findings.js';
import type { AuditReport } from '../../src/audit/report.js';
import { FakeAuditRegistry } from './fake-registry.js';

export const REGISTRY = 'reg.test';
export const REPOSITORY = `${REGISTRY}/app`;
export const NOW = new Date('2024-06-10T12:00:00Z');

/** The digests of the clean repository's builds. */
export interface CleanRepository {
  registry: FakeAuditRegistry;
  /** 3.4.13-debian-12-r0 */
  a: string;
  /** 3.4.13-debian-12-r1 */
  b: string;
  /** 3.5.0-debian-12-r0 */
  c: string;
  /** An image no immutable tag names. */
  stray: string;
}

/**
 * Builds `reg.test/app` under the default levels (latest, major,
 * major-distro, version) on debian-12: two revisions of 3.4.13, one of
 * 3.5.0, and every rolling tag where the scheme says it belongs.
 */
export function cleanRepository(registry = new FakeAuditRegistry(), repository = REPOSITORY): CleanRepository {
  const image = (seed: string) => registry.addImage({ seed, user: '1001', created: '2024-06-08T00:00:00Z' });
  const a = image('a');
  const b = image('b');
  const c = image('c');
  const stray = image('stray');
  registry
    .tag(repository, '3.4.13-debian-12-r0', a)
    .tag(repository, '3.4.13-debian-12-r1', b)
    .tag(repository, '3.5.0-debian-12-r0', c)
    .tag(repository, '3.4.13', b)
    .tagAll(repository, ['3.5.0', '3', '3-debian-12', 'latest'], c);
  return { registry, a, b, c, stray };
}

/** Audits with the debian-12 default distro, at {@link NOW}, and the given options. */
export function runAudit(registry: FakeAuditRegistry, options: Partial<AuditOptions> = {}): Promise<AuditReport> {
  return audit({
    registry,
    repositories: [REPOSITORY],
    policy: { defaultDistro: 'debian-12' },
    now: NOW,
    ...options,
  });
}

/** The findings of the first repository as `rule tag` lines, sorted, for exact comparisons. */
export function findingLines(report: AuditReport, index = 0): string[] {
  return (report.repositories[index]?.findings ?? []).map(findingLine).sort();
}

export function findingLine(item: AuditFinding): string {
  return `${item.severity} ${item.rule} ${item.tag ?? '-'}`;
}
