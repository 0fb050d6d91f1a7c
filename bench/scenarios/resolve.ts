/**
 * Resolve N rolling tags of one repository to digest and immutable tag,
 * against the floor: a bare undici loop of the same requests (one tag list,
 * a HEAD per rolling tag, a HEAD per distinct immutable twin) at the same
 * concurrency.
 */
import { resolve } from '../../src/resolve/resolve.js';
import { BareRegistry } from '../support/bare-http.js';
import type { BenchContext, FilledRepository } from '../support/context.js';
import { BenchSetupError } from '../support/errors.js';
import { side, type ScenarioRow } from '../support/results.js';
import { measurePair } from '../support/stats.js';
import type { RequestCounts } from '../support/counting-dispatcher.js';
import type { Scenario } from './scenario.js';

/** Repository name of the generated repository that resolve reads. */
export const RESOLVE_REPOSITORY = 'bench/resolve';

/** Maximum ratio of tagkeeper's time to the floor's. */
const TARGET_RATIO = 1.15;

/** The samples and request counts of one resolve measurement, shared with the scenarios that compare against it. */
export interface ResolveMeasurement {
  repository: FilledRepository;
  samplesMs: number[];
  floorSamplesMs: number[];
  requests: RequestCounts;
  floorRequests: RequestCounts;
}

/**
 * Resolves every version-level rolling tag of `repository` with tagkeeper's
 * `resolve` through a fresh counted client, checks each result against the
 * generated twins, and returns the request counts.
 */
export async function resolveOnce(context: BenchContext, repository: FilledRepository, role: 'main' | 'token'): Promise<RequestCounts> {
  const counted = await context.countedClient(await context.registry(role));
  try {
    const references = repository.layout.rolling.map((tag) => `${repository.repository}:${tag}`);
    const results = await resolve(references, { client: counted.client, concurrency: context.options.concurrency });
    results.forEach((result, index) => {
      const tag = repository.layout.rolling[index] as string;
      const twin = repository.layout.twinOf.get(tag);
      if (result.immutableTags[0] !== twin || result.digest !== repository.digests.get(twin ?? '')) {
        throw new BenchSetupError(`resolve of ${result.reference} returned ${result.immutableTags.join(',') || 'no immutable tag'}, expected ${twin}`);
      }
    });
    return counted.counter.counts();
  } finally {
    await counted.close();
  }
}

/**
 * Sends the floor's requests for `repository` in the registry of `role`: the
 * tag list and rolling HEADs together, then the twins' HEADs. Returns the
 * requests it sent.
 */
export async function floorOnce(
  context: BenchContext,
  repository: FilledRepository,
  role: 'main' | 'token' = 'main',
  headers: Record<string, string> = {},
): Promise<RequestCounts> {
  const registry = await context.registry(role);
  const bare = new BareRegistry(registry.url, context.options.concurrency, headers);
  const name = repository.repository.slice(registry.host.length + 1);
  try {
    const { rolling, twinOf } = repository.layout;
    await Promise.all([bare.listTags(name), ...rolling.map((tag) => bare.headManifest(name, tag))]);
    const twins = new Set(rolling.map((tag) => twinOf.get(tag) as string));
    await Promise.all([...twins].map((tag) => bare.headManifest(name, tag)));
    return bare.counts();
  } finally {
    await bare.close();
  }
}

/** Measures resolve and its floor once per run of the benchmark, for this scenario and the skopeo comparison. */
export function measureResolve(context: BenchContext): Promise<ResolveMeasurement> {
  return context.shared('resolve-measurement', async () => {
    const repository = await context.schemeRepository('main', RESOLVE_REPOSITORY, context.options.resolveTags);
    let requests: RequestCounts | undefined;
    let floorRequests: RequestCounts | undefined;
    const samples = await measurePair(
      async () => {
        requests = await resolveOnce(context, repository, 'main');
      },
      async () => {
        floorRequests = await floorOnce(context, repository);
      },
      context.options.runs,
      context.options.warmup,
    );
    return { repository, samplesMs: samples.subject, floorSamplesMs: samples.baseline, requests: requests as RequestCounts, floorRequests: floorRequests as RequestCounts };
  });
}

export const scenario: Scenario = {
  name: 'resolve',
  work: (context) => `resolve ${context.options.resolveTags} rolling tags of one repository`,
  target: `≤ ${TARGET_RATIO}× the floor`,
  async run(context): Promise<ScenarioRow[]> {
    const measured = await measureResolve(context);
    const subject = side('tagkeeper resolve', measured.samplesMs, { requests: measured.requests });
    const baseline = side('bare undici HEAD loop', measured.floorSamplesMs, {
      requests: measured.floorRequests,
    });
    const ratio = subject.medianMs / baseline.medianMs;
    return [
      {
        scenario: 'resolve',
        work: this.work(context),
        status: 'ran',
        subject,
        baseline,
        ratio,
        target: this.target,
        met: ratio <= TARGET_RATIO,
        notes: [
          `concurrency ${context.options.concurrency} on both sides`,
          `the floor sends the requests the answer needs: 1 tag list, ${measured.repository.layout.rolling.length} rolling HEADs, ` +
            `${new Set(measured.repository.layout.rolling.map((tag) => measured.repository.layout.twinOf.get(tag))).size} immutable HEADs`,
        ],
      },
    ];
  },
};
