/**
 * Timing helpers: medians of repeated runs, with a subject and its baseline
 * run alternately, so drift on a noisy machine hits both alike.
 */
import { performance } from 'node:perf_hooks';

/** Returns the median of `values`, or NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] as number;
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Runs `task` once and returns its wall time in milliseconds. */
export async function timeOnce(task: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await task();
  return performance.now() - start;
}

/** One side of a comparison: the work for iteration `iteration` (warm-up runs are negative). */
export type Trial = (iteration: number) => Promise<unknown>;

/** Wall times of the measured runs of each side, in milliseconds. */
export interface PairedSamples {
  subject: number[];
  baseline: number[];
}

/**
 * Runs `warmup` unmeasured rounds, then `runs` measured rounds of both
 * trials. The order flips every round (subject first, then baseline first),
 * so a warming cache or a slow spell of the machine does not favour one side.
 */
export async function measurePair(subject: Trial, baseline: Trial, runs: number, warmup: number): Promise<PairedSamples> {
  for (let round = -warmup; round < 0; round += 1) {
    await subject(round);
    await baseline(round);
  }

  const samples: PairedSamples = { subject: [], baseline: [] };
  for (let round = 0; round < runs; round += 1) {
    if (round % 2 === 0) {
      samples.subject.push(await timeOnce(() => subject(round)));
      samples.baseline.push(await timeOnce(() => baseline(round)));
    } else {
      samples.baseline.push(await timeOnce(() => baseline(round)));
      samples.subject.push(await timeOnce(() => subject(round)));
    }
  }
  return samples;
}

/** Runs `warmup` unmeasured runs of `trial`, then `runs` measured ones. */
export async function measureAlone(trial: Trial, runs: number, warmup: number): Promise<number[]> {
  for (let round = -warmup; round < 0; round += 1) await trial(round);
  const samples: number[] = [];
  for (let round = 0; round < runs; round += 1) samples.push(await timeOnce(() => trial(round)));
  return samples;
}
