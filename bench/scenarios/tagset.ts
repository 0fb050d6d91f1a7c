/**
 * Pure CPU: compute the tag set of a new release, and the rolling targets an
 * audit derives, against 1k, 10k and 100k published tags. The cost should
 * grow linearly: the per-tag cost at the largest size within 2× of the
 * smallest allows for the n log n sort of the immutable tags.
 */
import { computeTagSet } from '../../src/scheme/tag-set.js';
import { rollingTargets } from '../../src/scheme/targets.js';
import type { BenchContext } from '../support/context.js';
import { side, type ScenarioRow } from '../support/results.js';
import { BENCH_DISTRO, BENCH_POLICY, schemeLayoutOfSize } from '../support/scheme-layout.js';
import { measureAlone } from '../support/stats.js';
import type { Scenario } from './scenario.js';

const TARGET_GROWTH = 2;

/** The functions measured, each a call over every published tag. */
const SUBJECTS: Array<{ label: string; call: (published: readonly string[]) => unknown }> = [
  {
    label: 'computeTagSet',
    // A new version above every published one, so every rolling tag of the policy moves.
    call: (published) => computeTagSet({ version: '2.0.0', distro: BENCH_DISTRO }, published, BENCH_POLICY),
  },
  { label: 'rollingTargets', call: (published) => rollingTargets(published, BENCH_POLICY) },
];

export const scenario: Scenario = {
  name: 'tagset',
  work: (context) => `tag sets against ${context.options.tagsetSizes.join(', ')} published tags`,
  target: `per-tag cost at the largest size ≤ ${TARGET_GROWTH}× the smallest`,
  async run(context: BenchContext): Promise<ScenarioRow[]> {
    const sizes = [...context.options.tagsetSizes].sort((a, b) => a - b);
    const rows: ScenarioRow[] = [];
    for (const { label, call } of SUBJECTS) {
      let smallestPerTag: number | undefined;
      for (const size of sizes) {
        const published = schemeLayoutOfSize(size).entries.map((entry) => entry.tag);
        const samples = await measureAlone(async () => call(published), Math.max(context.options.runs, 5), Math.max(context.options.warmup, 1));
        const subject = side(label, samples);
        const perTagUs = (subject.medianMs * 1000) / size;
        smallestPerTag ??= perTagUs;
        const growth = perTagUs / smallestPerTag;
        const largest = size === sizes.at(-1);
        rows.push({
          scenario: 'tagset',
          work: `${label} over ${size} tags`,
          status: 'ran',
          subject,
          ratio: growth,
          target: largest ? this.target : 'per-tag cost, for reference',
          ...(largest ? { met: growth <= TARGET_GROWTH } : {}),
          notes: [`${label} over ${size} tags: ${perTagUs.toFixed(2)} µs per tag; ratio = per-tag cost / per-tag cost at ${sizes[0]} tags`],
        });
      }
    }
    return rows;
  },
};
