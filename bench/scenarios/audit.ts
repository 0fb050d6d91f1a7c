/**
 * Audit a catalog of R repositories × T tags, against the floor: a bare loop
 * that lists each repository and sends HEAD for each tag once, at the same
 * concurrency.
 */
import { audit } from '../../src/audit/audit.js';
import { clientAuditRegistry } from '../../src/audit/client-registry.js';
import { mapWithConcurrency } from '../../src/release/concurrency.js';
import { BareRegistry } from '../support/bare-http.js';
import type { BenchContext, FilledRepository } from '../support/context.js';
import type { RequestCounts } from '../support/counting-dispatcher.js';
import { BenchSetupError } from '../support/errors.js';
import { side, type ScenarioRow } from '../support/results.js';
import { BENCH_POLICY, schemeLayoutOfSize } from '../support/scheme-layout.js';
import { measurePair } from '../support/stats.js';
import type { Scenario } from './scenario.js';

const TARGET_RATIO = 1.3;

/** Fills the audited repositories, a few at a time. */
function fillCatalog(context: BenchContext): Promise<FilledRepository[]> {
  const { auditRepositories, auditTags } = context.options;
  const names = Array.from({ length: auditRepositories }, (_, index) => `bench/audit/app-${String(index).padStart(3, '0')}`);
  return context.shared('audit catalog', () => mapWithConcurrency(names, 4, (name) => context.fill('main', name, schemeLayoutOfSize(auditTags))));
}

/** Lists each repository and sends HEAD for each of its tags, through one queue of `concurrency` requests. */
async function floorOnce(context: BenchContext, repositories: readonly FilledRepository[]): Promise<RequestCounts> {
  const registry = await context.registry('main');
  const bare = new BareRegistry(registry.url, context.options.concurrency);
  try {
    await Promise.all(
      repositories.map(async ({ repository }) => {
        const name = repository.slice(registry.host.length + 1);
        const tags = await bare.listTags(name);
        await Promise.all(tags.map((tag) => bare.headManifest(name, tag)));
      }),
    );
    return bare.counts();
  } finally {
    await bare.close();
  }
}

export const scenario: Scenario = {
  name: 'audit',
  work: (context) => `audit ${context.options.auditRepositories} repositories × ${context.options.auditTags} tags`,
  target: `≤ ${TARGET_RATIO}× the floor`,
  async run(context: BenchContext): Promise<ScenarioRow[]> {
    const repositories = await fillCatalog(context);
    const registry = await context.registry('main');
    const tagCount = repositories.reduce((sum, repository) => sum + repository.layout.entries.length, 0);

    let requests: RequestCounts | undefined;
    let floorRequests: RequestCounts | undefined;
    let findings = 0;
    const samples = await measurePair(
      async () => {
        const counted = await context.countedClient(registry);
        try {
          const report = await audit({
            registry: clientAuditRegistry(counted.client),
            repositories: repositories.map((repository) => repository.repository),
            policy: BENCH_POLICY,
            concurrency: context.options.concurrency,
          });
          const audited = report.repositories.reduce((sum, repository) => sum + repository.tags, 0);
          if (audited !== tagCount) throw new BenchSetupError(`audit read ${audited} tags, expected ${tagCount}`);
          findings = report.repositories.reduce((sum, repository) => sum + repository.findings.length, 0);
          requests = counted.counter.counts();
        } finally {
          await counted.close();
        }
      },
      async () => {
        floorRequests = await floorOnce(context, repositories);
      },
      context.options.runs,
      context.options.warmup,
    );

    const subject = side('tagkeeper audit', samples.subject, { requests: requests as RequestCounts });
    const baseline = side('bare list + HEAD loop', samples.baseline, { requests: floorRequests });
    const ratio = subject.medianMs / baseline.medianMs;
    return [
      {
        scenario: 'audit',
        work: `audit ${repositories.length} repositories, ${tagCount} tags`,
        status: 'ran',
        subject,
        baseline,
        ratio,
        target: this.target,
        met: ratio <= TARGET_RATIO,
        notes: [`concurrency ${context.options.concurrency} on both sides; the audit reported ${findings} findings`],
      },
    ];
  },
};
