import fc from 'fast-check';
import { Document, parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { pinValuesText, type PinMode, type PinnedImage } from '../../src/helm/index.js';
import { formatPath, type PathSegment } from '../../src/helm/yaml-tree.js';
import { FakeResolver, fakeDigest } from './support/fake-resolver.js';

const REPOSITORIES = ['bitnami/etcd', 'bitnami/redis', 'quay.io/org/app'];
const TAGS = ['3', '3.5', 'latest', '3.5.9-debian-12-r2'];

function resolver(): FakeResolver {
  const registry: Record<string, Record<string, string>> = {};
  for (const repository of REPOSITORIES) {
    const name = repository.includes('.') ? repository : `docker.io/${repository}`;
    const digest = fakeDigest(repository);
    registry[name] = Object.fromEntries(TAGS.map((tag) => [tag, digest]));
    registry[`docker.io/${repository}`] ??= registry[name];
  }
  return new FakeResolver(registry);
}

const plainKey = fc.constantFrom('name', 'version', 'enabled', 'replicas', 'resources', 'labels', 'port', 'config', 'primary', 'metrics', 'extra');
const scalar = fc.oneof(
  fc.string({ maxLength: 10 }).filter((text) => !text.includes('{{')),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('1.25', '3.10', 'yes', 'on', '~', 'a: b', '# not a comment'),
);

const imageBlock = fc
  .record(
    {
      registry: fc.constantFrom('docker.io', ''),
      repository: fc.constantFrom(...REPOSITORIES),
      tag: fc.constantFrom(...TAGS),
      digest: fc.constant(''),
      pullPolicy: fc.constantFrom('IfNotPresent', 'Always'),
    },
    { requiredKeys: ['repository', 'tag'] },
  )
  .filter((block) => !(block.registry === 'docker.io' && block.repository.startsWith('quay.io/')));
const imageString = fc.tuple(fc.constantFrom(...REPOSITORIES), fc.constantFrom(...TAGS)).map(([repository, tag]) => `${repository}:${tag}`);
const imageKey = fc.constantFrom('image', 'sysctlImage', 'initImage');

const tree = fc.letrec<{ node: unknown; map: Record<string, unknown>; list: unknown[] }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('list')),
  map: fc
    .tuple(fc.dictionary(plainKey, tie('node'), { maxKeys: 4 }), fc.option(fc.tuple(imageKey, fc.oneof(imageBlock, imageString))))
    .map(([map, image]) => (image ? { ...map, [image[0]]: image[1] } : map)),
  list: fc.array(tie('node'), { maxLength: 3 }),
})).map;

const layout = fc.record({
  defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE') as fc.Arbitrary<'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE'>,
  indent: fc.constantFrom(2, 4),
  crlf: fc.boolean(),
  mode: fc.constantFrom<PinMode>('tag', 'digest', 'both'),
});

/** Walks two parsed trees and returns the paths whose leaves differ, with the value after. */
function differences(before: unknown, after: unknown, segments: PathSegment[] = [], found: Array<[string, unknown, unknown]> = []): Array<[string, unknown, unknown]> {
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((item, index) => differences(item, after[index], [...segments, index], found));
  } else if (isObject(before) && isObject(after) && !Array.isArray(before) && !Array.isArray(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      differences(before[key], after[key], [...segments, key], found);
    }
  } else if (!Object.is(before, after)) {
    found.push([formatPath(segments), before, after]);
  }
  return found;
}

describe('pinValuesText property', () => {
  it('changes only tag and digest values of images, and nothing else', async () => {
    let changedImages = 0;
    await fc.assert(
      fc.asyncProperty(tree, layout, async (values, options) => {
        const document = new Document(values, { version: '1.1' });
        document.commentBefore = ' Values written by the property test';
        let text = document.toString({ defaultStringType: options.defaultStringType, indent: options.indent, lineWidth: 0 });
        if (options.crlf) text = text.replace(/\n/g, '\r\n');

        const result = await pinValuesText(text, 'values.yaml', { resolver: resolver(), mode: options.mode });

        changedImages += result.images.filter((image) => image.status === 'changed').length;
        const changes = new Map<string, { image: PinnedImage; value: string }>();
        for (const image of result.images) {
          for (const change of image.changes) changes.set(change.path, { image, value: change.new });
        }
        for (const [path, before, after] of differences(parse(text, { version: '1.1' }), parse(result.text, { version: '1.1' }))) {
          const change = changes.get(path);
          expect(change, `unexpected change at ${path}: ${String(before)} -> ${String(after)}`).toBeDefined();
          expect(after).toBe(change?.value);
          const field = path.split('.').at(-1);
          expect(change?.image.shape === 'string' ? path === change.image.path : ['tag', 'digest'].includes(field ?? '')).toBe(true);
        }

        const lineBreak = options.crlf ? '\r\n' : '\n';
        const insertedKeys = [...changes.values()].filter((change) => change.image.changes.some((item) => item.old === undefined)).length;
        expect(result.text.split(lineBreak).length).toBeLessThanOrEqual(text.split(lineBreak).length + insertedKeys);
        if (options.crlf) expect(result.text.replace(/\r\n/g, '')).not.toContain('\n');
      }),
      { numRuns: 300 },
    );
    // The generator must produce images, or the property above checks nothing.
    expect(changedImages).toBeGreaterThan(100);
  });
});
