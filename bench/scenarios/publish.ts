/**
 * Publish a release (an immutable tag and 4 rolling tags) from a staging
 * repository into an empty repository of the same registry, against a shell
 * script of one `skopeo copy` per tag. Each run publishes into a new
 * repository, so neither side finds its work already done.
 */
import { publish } from '../../src/release/publish.js';
import { buildImage } from '../../test/support/oci-layout.js';
import { pushImage } from '../../test/support/skopeo.js';
import { makeTempDir } from '../../test/support/temp.js';
import type { BenchContext } from '../support/context.js';
import type { RequestCounts } from '../support/counting-dispatcher.js';
import { BenchSetupError } from '../support/errors.js';
import { side, type ScenarioRow } from '../support/results.js';
import { BENCH_DISTRO } from '../support/scheme-layout.js';
import { countThroughProxy, plainHttp, skopeo } from '../support/skopeo-runs.js';
import { measurePair } from '../support/stats.js';
import type { Scenario } from './scenario.js';

const TARGET_RATIO = 0.25;
const VERSION = '2.4.1';
/** The default policy's tags of the release: immutable first, as a careful script would write them. */
const TAGS = [`${VERSION}-${BENCH_DISTRO}-r0`, VERSION, '2', `2-${BENCH_DISTRO}`, 'latest'];
const STAGING = 'bench/staging';
const STAGING_TAG = 'build-1';

/** Copies the staging image under every release tag, one `skopeo copy` after another. */
async function skopeoRelease(host: string, target: string): Promise<void> {
  for (const tag of TAGS) {
    await skopeo(['copy', ...plainHttp('src-'), ...plainHttp('dest-'), `docker://${host}/${STAGING}:${STAGING_TAG}`, `docker://${host}/${target}:${tag}`]);
  }
}

/** Returns a repository name that no earlier run used; warm-up runs have negative `round`s. */
function targetName(side: string, round: number): string {
  return `bench/release-${side}-${round < 0 ? `w${-round}` : round}`;
}

export const scenario: Scenario = {
  name: 'publish',
  work: () => `publish a release (${TAGS.length} tags) from a staging repository`,
  target: `≤ ${TARGET_RATIO}× skopeo copy per tag`,
  async run(context: BenchContext): Promise<ScenarioRow[]> {
    const registry = await context.registry('main');
    // Two uncompressed layers of 1 MiB and 4 MiB: a small image, since publish mounts blobs and copies no bytes.
    const image = await buildImage(await makeTempDir('bench-publish'), STAGING_TAG, {
      seed: 'bench-publish',
      layers: [{ size: 2 ** 20, gzip: false }, { size: 4 * 2 ** 20, gzip: false }],
    });
    await pushImage(image, registry, `${STAGING}:${STAGING_TAG}`);

    let requests: RequestCounts | undefined;
    const samples = await measurePair(
      async (round) => {
        const counted = await context.countedClient(registry);
        try {
          const result = await publish({
            source: `${registry.host}/${STAGING}:${STAGING_TAG}`,
            target: `${registry.host}/${targetName('tk', round)}`,
            version: VERSION,
            distro: BENCH_DISTRO,
            client: counted.client,
            concurrency: context.options.concurrency,
          });
          const written = result.applied?.written ?? [];
          if (result.outcome !== 'published' || written.length !== TAGS.length || result.digest !== image.digest) {
            throw new BenchSetupError(`publish wrote ${written.join(', ') || 'nothing'} (${result.outcome}), expected the ${TAGS.length} tags ${TAGS.join(', ')}`);
          }
          requests = counted.counter.counts();
        } finally {
          await counted.close();
        }
      },
      (round) => skopeoRelease(registry.host, targetName('sk', round)),
      context.options.runs,
      context.options.warmup,
    );
    const skopeoRequests = await countThroughProxy(context, (host) => skopeoRelease(host, 'bench/release-sk-counted'));

    const subject = side('tagkeeper publish', samples.subject, { requests: requests as RequestCounts });
    const baseline = side(`skopeo copy × ${TAGS.length}`, samples.baseline, { requests: skopeoRequests });
    const ratio = subject.medianMs / baseline.medianMs;
    return [
      {
        scenario: 'publish',
        work: this.work(context),
        status: 'ran',
        subject,
        baseline,
        ratio,
        target: this.target,
        met: ratio <= TARGET_RATIO,
        notes: [
          `requests by method: tagkeeper ${JSON.stringify(subject.requests?.byMethod)}, skopeo ${JSON.stringify(skopeoRequests.byMethod)}`,
          'tagkeeper also checks the immutable tag first, plans from the tag list, and reads every tag back after writing it',
        ],
      },
    ];
  },
};
