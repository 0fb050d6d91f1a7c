/**
 * The rolling tags of the resolve scenario as a user would script it today:
 * `skopeo inspect` once per tag. skopeo runs on a sample of tags and its time
 * per tag is extrapolated; tagkeeper's per-tag time comes from the resolve
 * scenario's measurement in the same run.
 */
import type { BenchContext } from '../support/context.js';
import { side, type ScenarioRow } from '../support/results.js';
import { plainHttp, skopeo, countThroughProxy } from '../support/skopeo-runs.js';
import { measureAlone } from '../support/stats.js';
import { measureResolve } from './resolve.js';
import type { Scenario } from './scenario.js';

/** Minimum speed-up over skopeo, per tag. */
const TARGET_SPEEDUP = 20;

/** Inspects each tag in `tags` of `repository` one after another, as a shell loop would. */
async function inspectEach(host: string, repository: string, tags: readonly string[]): Promise<void> {
  for (const tag of tags) {
    const digest = await skopeo(['inspect', ...plainHttp(''), '--no-tags', '--format', '{{.Digest}}', `docker://${host}/${repository}:${tag}`]);
    if (!digest.startsWith('sha256:')) throw new Error(`skopeo inspect of ${repository}:${tag} printed no digest: ${digest}`);
  }
}

export const scenario: Scenario = {
  name: 'resolve-skopeo',
  work: (context) => `resolve rolling tags, per tag (skopeo on ${context.options.skopeoSample} of ${context.options.resolveTags})`,
  target: `≥ ${TARGET_SPEEDUP}× faster per tag`,
  async run(context: BenchContext): Promise<ScenarioRow[]> {
    const measured = await measureResolve(context);
    const registry = await context.registry('main');
    const name = measured.repository.repository.slice(registry.host.length + 1);
    const rolling = measured.repository.layout.rolling;
    // Tags spread over the whole repository, not only the oldest versions.
    const stride = Math.max(1, Math.floor(rolling.length / context.options.skopeoSample));
    const sample = rolling.filter((_, index) => index % stride === 0).slice(0, context.options.skopeoSample);

    const samples = await measureAlone(() => inspectEach(registry.host, name, sample), context.options.runs, context.options.warmup);
    const requests = await countThroughProxy(context, (host) => inspectEach(host, name, sample));

    const tagkeeperPerTag = measured.samplesMs.map((ms) => ms / rolling.length);
    const skopeoPerTag = samples.map((ms) => ms / sample.length);
    const subject = side('tagkeeper resolve, per tag', tagkeeperPerTag, {
      requests: { ...measured.requests, total: Math.round((measured.requests.total / rolling.length) * 100) / 100 },
    });
    const baseline = side('skopeo inspect, per tag', skopeoPerTag, {
      requests: { ...requests, total: Math.round((requests.total / sample.length) * 100) / 100 },
    });
    const ratio = subject.medianMs / baseline.medianMs;
    return [
      {
        scenario: 'resolve-skopeo',
        work: this.work(context),
        status: 'ran',
        subject,
        baseline,
        ratio,
        target: `${this.target} (ratio ≤ ${(1 / TARGET_SPEEDUP).toFixed(2)}×)`,
        met: ratio <= 1 / TARGET_SPEEDUP,
        notes: [
          `skopeo ran "inspect --no-tags --format {{.Digest}}" on ${sample.length} tags one after another; its per-tag time is extrapolated to all ${rolling.length}`,
          'skopeo returns only the digest; finding the immutable tag would cost it at least one more inspect per tag, so its figure is a lower bound',
          `speed-up per tag: ${(1 / ratio).toFixed(1)}×`,
        ],
      },
    ];
  },
};
