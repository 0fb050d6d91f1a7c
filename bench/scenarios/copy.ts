/**
 * Copy an image with one large layer between two registries, against
 * `skopeo copy`. tagkeeper's copy runs in a child node process, so its peak
 * RSS is its own; skopeo's is read with GNU time.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildImage } from '../../test/support/oci-layout.js';
import { startDistribution } from '../../test/support/distribution.js';
import { pushImage } from '../../test/support/skopeo.js';
import { makeTempDir, removeDir } from '../../test/support/temp.js';
import type { CopyChildReport } from '../copy-child.js';
import type { BenchContext } from '../support/context.js';
import { BenchSetupError } from '../support/errors.js';
import { side, type ScenarioRow } from '../support/results.js';
import { plainHttp, skopeoWithPeakRss } from '../support/skopeo-runs.js';
import { timeOnce } from '../support/stats.js';
import type { Scenario } from './scenario.js';

const TARGET_RATIO = 1.1;
const TARGET_RSS_MIB = 150;
const SOURCE = 'bench/big';
const TAG = '1';

const CHILD = fileURLToPath(new URL('../copy-child.ts', import.meta.url));
const ROOT = path.resolve(path.dirname(CHILD), '..');
/** Under the repository's node_modules, so the bundle's package imports resolve and linters skip it. */
const BUNDLE = path.join(ROOT, 'node_modules', '.cache', 'tagkeeper-bench', 'copy-child.mjs');

/**
 * Bundles the child to plain JavaScript with esbuild (installed with tsup),
 * as a published build would run: without the tsx loader, whose compiler
 * alone adds tens of MiB of RSS. Packages stay external, as in `dist/`.
 */
async function bundleChild(): Promise<string[]> {
  const esbuild = await import('esbuild');
  await esbuild.build({ entryPoints: [CHILD], outfile: BUNDLE, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error' });
  return [BUNDLE];
}

/** Runs the copy child with `args` and returns its report. */
function runChild(command: readonly string[], args: readonly string[]): Promise<CopyChildReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...command, ...args], { cwd: ROOT, timeout: 600_000 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new BenchSetupError(`the copy child failed: ${error.message} ${stderr.trim()}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as CopyChildReport);
    });
  });
}

function destination(side: string, round: number): string {
  return `bench/copy-${side}-${round < 0 ? `w${-round}` : round}`;
}

export const scenario: Scenario = {
  name: 'copy',
  work: (context) => `copy an image with a ${context.options.layerMib} MiB layer between two registries`,
  target: `≤ ${TARGET_RATIO}× skopeo, peak RSS ≤ ${TARGET_RSS_MIB} MiB`,
  async run(context: BenchContext): Promise<ScenarioRow[]> {
    const from = await context.registry('main');
    const layout = await makeTempDir('bench-copy');
    let digest: string;
    try {
      // Uncompressed random bytes: gzip would only slow the build, and neither side recompresses.
      const image = await buildImage(layout, TAG, { seed: 'bench-copy', layers: [{ size: context.options.layerMib * 2 ** 20, gzip: false }] });
      digest = await pushImage(image, from, `${SOURCE}:${TAG}`);
    } finally {
      await removeDir(layout);
    }
    const command = await bundleChild();
    const idle = await runChild(command, ['--idle']);

    // Every run copies into a registry of its own. skopeo remembers where it has seen a blob and mounts it
    // from there, so a second copy into the same registry would move no layer bytes at all.
    const tagkeeperRuns: CopyChildReport[] = [];
    const tagkeeperTimes: number[] = [];
    const skopeoTimes: number[] = [];
    const skopeoRss: number[] = [];
    for (let round = -context.options.warmup; round < context.options.runs; round += 1) {
      const target = await startDistribution();
      try {
        const tagkeeperMs = await timeOnce(async () => {
          const report = await runChild(command, [`${from.host}/${SOURCE}:${TAG}`, `${target.host}/${destination('tk', round)}:${TAG}`]);
          if (report.digest !== digest) throw new BenchSetupError(`tagkeeper copied ${report.digest}, expected ${digest}`);
          if (round >= 0) tagkeeperRuns.push(report);
        });
        const skopeoMs = await timeOnce(async () => {
          const { peakRssMib } = await skopeoWithPeakRss([
            'copy',
            ...plainHttp('src-'),
            ...plainHttp('dest-'),
            `docker://${from.host}/${SOURCE}:${TAG}`,
            `docker://${target.host}/${destination('sk', round)}:${TAG}`,
          ]);
          if (round >= 0) skopeoRss.push(peakRssMib);
        });
        if (round >= 0) {
          tagkeeperTimes.push(tagkeeperMs);
          skopeoTimes.push(skopeoMs);
        }
      } finally {
        await target.stop();
      }
    }

    const copyMs = tagkeeperRuns.map((report) => report.copyMs);
    const peakRssMib = Math.max(...tagkeeperRuns.map((report) => report.maxRssKib / 1024));
    const subject = side('tagkeeper copyImage (child process)', copyMs, { peakRssMib });
    const baseline = side('skopeo copy', skopeoTimes, { peakRssMib: Math.max(...skopeoRss) });
    const ratio = subject.medianMs / baseline.medianMs;
    return [
      {
        scenario: 'copy',
        work: this.work(context),
        status: 'ran',
        subject,
        baseline,
        ratio,
        target: this.target,
        met: ratio <= TARGET_RATIO && peakRssMib <= TARGET_RSS_MIB,
        notes: [
          `tagkeeper's time is the copy inside the child, a bundle of bench/copy-child.ts built with esbuild; ` +
            `the whole child, node start-up included, took ${Math.round(Math.min(...tagkeeperTimes))} ms at best`,
          `skopeo's time is the whole process; its peak RSS comes from GNU time (%M)`,
          'each run copies into a freshly started registry, so neither side can mount the layer from an earlier run',
          `an idle child (node and the loaded modules) peaks at ${Math.round(idle.maxRssKib / 1024)} MiB RSS, which the copy's peak includes`,
        ],
      },
    ];
  },
};
