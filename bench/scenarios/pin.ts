/**
 * Pin a values file of N images, some named several times as in umbrella
 * charts, against the same resolves done one by one with a fresh resolver
 * each, so nothing is cached between images.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import { createRegistryResolver } from '../../src/helm/registry-resolver.js';
import { pinValues } from '../../src/helm/pin-values.js';
import { ClientRegistry } from '../../src/release/client-registry.js';
import { RESOLVE_POLICY } from '../../src/resolve/candidates.js';
import { Resolver } from '../../src/resolve/resolver.js';
import { makeTempDir } from '../../test/support/temp.js';
import type { BenchContext, FilledRepository } from '../support/context.js';
import type { RequestCounts } from '../support/counting-dispatcher.js';
import { BenchSetupError } from '../support/errors.js';
import { side, type ScenarioRow } from '../support/results.js';
import { measurePair } from '../support/stats.js';
import type { Scenario } from './scenario.js';

/** Repositories the values file names, and distinct rolling references per repository. */
const REPOSITORIES = 4;
const REFERENCES_PER_REPOSITORY = 10;

/** One image entry of the values file. */
interface ValuesImage {
  repository: FilledRepository;
  name: string;
  tag: string;
}

/** Returns `count` images cycling over the distinct references, so each reference is named several times. */
function valuesImages(repositories: readonly FilledRepository[], host: string, count: number): ValuesImage[] {
  const distinct = repositories.flatMap((repository) =>
    repository.layout.rolling.slice(0, REFERENCES_PER_REPOSITORY).map((tag) => ({ repository, name: repository.repository.slice(host.length + 1), tag })),
  );
  return Array.from({ length: count }, (_, index) => distinct[index % distinct.length] as ValuesImage);
}

/** Returns a values file with one Bitnami-style image block per image. */
function valuesYaml(host: string, images: readonly ValuesImage[]): string {
  return images
    .map((image, index) => `component${index}:\n  image:\n    registry: ${host}\n    repository: ${image.name}\n    tag: "${image.tag}"\n    pullPolicy: IfNotPresent\n`)
    .join('');
}

export const scenario: Scenario = {
  name: 'pin',
  work: (context) => `pin a values file with ${context.options.pinImages} images`,
  target: 'fewer requests, each image resolved once',
  async run(context: BenchContext): Promise<ScenarioRow[]> {
    const registry = await context.registry('main');
    const repositories: FilledRepository[] = [];
    for (let index = 0; index < REPOSITORIES; index += 1) {
      repositories.push(await context.schemeRepository('main', `bench/pin-${index}`, REFERENCES_PER_REPOSITORY * 2));
    }
    const images = valuesImages(repositories, registry.host, context.options.pinImages);
    const file = path.join(await makeTempDir('bench-pin'), 'values.yaml');
    await writeFile(file, valuesYaml(registry.host, images));
    const distinct = new Set(images.map((image) => `${image.name}:${image.tag}`));
    const distinctTwins = new Set(images.map((image) => `${image.name}:${image.repository.layout.twinOf.get(image.tag)}`));

    let requests: RequestCounts | undefined;
    let resolverRequests = { listTags: 0, headManifest: 0, resolvePlatform: 0 };
    let baselineRequests: RequestCounts | undefined;
    const samples = await measurePair(
      async () => {
        const counted = await context.countedClient(registry);
        try {
          const resolver = await createRegistryResolver({ client: counted.client, concurrency: context.options.concurrency });
          const result = await pinValues([file], { resolver, write: false, concurrency: context.options.concurrency });
          const unpinned = result.images.filter((image) => image.status !== 'changed');
          if (result.images.length !== images.length || unpinned.length > 0) {
            throw new BenchSetupError(`pin found ${result.images.length} images with ${unpinned.length} not pinned, expected ${images.length} pinned`);
          }
          resolverRequests = { ...resolver.resolver.requests };
          requests = counted.counter.counts();
        } finally {
          await counted.close();
        }
      },
      async () => {
        const counted = await context.countedClient(registry);
        try {
          for (const image of images) {
            const resolver = new Resolver({ registry: new ClientRegistry(counted.client), policy: RESOLVE_POLICY });
            const [resolved] = await resolver.resolveAll([`${image.repository.repository}:${image.tag}`]);
            if (resolved?.immutableTags[0] !== image.repository.layout.twinOf.get(image.tag)) {
              throw new BenchSetupError(`resolve of ${image.name}:${image.tag} found ${resolved?.immutableTags.join(',') ?? 'nothing'}`);
            }
          }
          baselineRequests = counted.counter.counts();
        } finally {
          await counted.close();
        }
      },
      context.options.runs,
      context.options.warmup,
    );

    const subject = side('tagkeeper pinValues', samples.subject, { requests: requests as RequestCounts });
    const baseline = side('resolve one by one, no cache', samples.baseline, { requests: baselineRequests as RequestCounts });
    const resolvedOnce =
      resolverRequests.listTags === REPOSITORIES && resolverRequests.headManifest === distinct.size + distinctTwins.size;
    return [
      {
        scenario: 'pin',
        work: `pin ${images.length} images (${distinct.size} distinct) in ${REPOSITORIES} repositories`,
        status: 'ran',
        subject,
        baseline,
        ratio: subject.medianMs / baseline.medianMs,
        target: this.target,
        met: (subject.requests?.total ?? Infinity) < (baseline.requests?.total ?? 0) && resolvedOnce,
        notes: [
          `the pin's resolver sent ${resolverRequests.listTags} tag lists and ${resolverRequests.headManifest} manifest HEADs ` +
            `for ${distinct.size} distinct references with ${distinctTwins.size} distinct immutable twins`,
        ],
      },
    ];
  },
};
