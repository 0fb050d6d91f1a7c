/** List every tag of a repository of N tags, against `skopeo list-tags`. */
import type { BenchContext } from '../support/context.js';
import type { RequestCounts } from '../support/counting-dispatcher.js';
import { BenchSetupError } from '../support/errors.js';
import { side, type ScenarioRow } from '../support/results.js';
import { schemeLayoutOfSize } from '../support/scheme-layout.js';
import { countThroughProxy, plainHttp, skopeo } from '../support/skopeo-runs.js';
import { measurePair } from '../support/stats.js';
import type { Scenario } from './scenario.js';

const TARGET_RATIO = 1.0;

/** Lists the tags of `repository` with `skopeo list-tags` and returns how many there are. */
async function skopeoListTags(host: string, name: string): Promise<number> {
  const output = await skopeo(['list-tags', ...plainHttp(''), `docker://${host}/${name}`]);
  return ((JSON.parse(output) as { Tags?: string[] | null }).Tags ?? []).length;
}

export const scenario: Scenario = {
  name: 'list',
  work: (context) => `list a repository of ${context.options.listTags} tags`,
  target: `≤ ${TARGET_RATIO}× skopeo`,
  async run(context: BenchContext): Promise<ScenarioRow[]> {
    const expected = context.options.listTags;
    const name = 'bench/list';
    const filled = await context.shared(`list ${expected}`, () => context.fill('main', name, schemeLayoutOfSize(Math.max(7, expected))));
    const registry = await context.registry('main');
    const total = filled.layout.entries.length;

    let requests: RequestCounts | undefined;
    const samples = await measurePair(
      async () => {
        const counted = await context.countedClient(registry);
        try {
          const listing = await counted.client.listTags(filled.repository);
          if (listing.tags.length !== total) throw new BenchSetupError(`tagkeeper listed ${listing.tags.length} tags of ${name}, expected ${total}`);
          requests = counted.counter.counts();
        } finally {
          await counted.close();
        }
      },
      async () => {
        const count = await skopeoListTags(registry.host, name);
        if (count !== total) throw new BenchSetupError(`skopeo listed ${count} tags of ${name}, expected ${total}`);
      },
      context.options.runs,
      context.options.warmup,
    );
    const skopeoRequests = await countThroughProxy(context, (host) => skopeoListTags(host, name));

    const subject = side('tagkeeper listTags', samples.subject, { requests: requests as RequestCounts });
    const baseline = side('skopeo list-tags', samples.baseline, { requests: skopeoRequests });
    const ratio = subject.medianMs / baseline.medianMs;
    return [
      {
        scenario: 'list',
        work: `list a repository of ${total} tags`,
        status: 'ran',
        subject,
        baseline,
        ratio,
        target: this.target,
        met: ratio <= TARGET_RATIO,
        notes: [
          'tagkeeper runs in this process and skopeo as a child process, so skopeo pays its start-up in every run',
          `requests by method: tagkeeper ${JSON.stringify(requests?.byMethod)}, skopeo ${JSON.stringify(skopeoRequests.byMethod)}`,
        ],
      },
    ];
  },
};
