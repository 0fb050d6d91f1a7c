import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
import { prepareChartImages, writeChartImages, type ChartImagesResult } from './chart-images.js';
import { findCommentedImages } from './commented-images.js';
import { describeReadFailure, InvalidValuesFileError } from './errors.js';
import { findImages } from './find-images.js';
import type { FoundImage, PinMode, PinnedImage } from './model.js';
import { pinSource, type PinnedSource } from './pin-source.js';
import type { ImageResolver, PinPlatform } from './ports.js';
import { resolveImages } from './resolve-images.js';
import { diffLabels, unifiedDiff } from './unified-diff.js';
import { parseValuesSource, type ValuesSource } from './values-source.js';
import { verifyPinnedText } from './verify.js';

/** Options of {@link pinValues} and {@link pinValuesText}. */
export interface PinOptions {
  /** Resolves references to digests and immutable tags; wrap a `Resolver` with `resolverPort`. */
  resolver: ImageResolver;
  /** The values to pin; default `tag`. */
  mode?: PinMode;
  /** Pin the digest of this platform's manifest instead of the index digest. */
  platform?: PinPlatform;
  /** References resolved at once; default 8. */
  concurrency?: number;
}

/** Options of {@link pinValues}. */
export interface PinValuesOptions extends PinOptions {
  /** Write changed files; default true. False computes the result only, for `--check` and `--dry-run`. */
  write?: boolean;
  /** A chart folder whose `Chart.yaml` images annotation is updated to the pinned references. */
  chartDir?: string;
}

/** One values file after a pin. */
export interface PinnedFile {
  file: string;
  /** The text before pinning. */
  before: string;
  /** The pinned text. */
  after: string;
  changed: boolean;
  /** True when the file was rewritten. */
  written: boolean;
  /** The unified diff from `before` to `after`; empty when nothing changed. */
  diff: string;
}

/** The images {@link pinValues} found and the files it changed. */
export interface PinResult {
  files: PinnedFile[];
  /** Every image found, in file and line order, with its status. */
  images: PinnedImage[];
  /** Present when a chart folder was given. */
  chart?: ChartImagesResult;
  /** True when every image is pinned: none is `changed` or `unpinned`. Skipped images do not count. */
  pinned: boolean;
}

/**
 * Pins the images of the values files `files` to immutable tags, digests or
 * both. Every file is parsed and every distinct reference resolved once
 * before anything is written, so a parse or resolve error throws and leaves
 * every file as it was. Changed files are then replaced atomically, one at a
 * time. Only the values that change are rewritten: comments, blank lines,
 * key order, quoting, anchors, documents and line breaks are kept byte for
 * byte.
 */
export async function pinValues(files: string[], options: PinValuesOptions): Promise<PinResult> {
  const sources: ValuesSource[] = [];
  for (const file of files) {
    sources.push(parseValuesSource(await readValuesFile(file), file));
  }

  const pinned = await pinSources(sources, options);
  const images = pinned.flatMap((entry) => entry.images);
  // The chart update is computed before any write, so a bad Chart.yaml leaves every file as it was.
  const chart = options.chartDir === undefined ? undefined : await prepareChartImages(options.chartDir, images);

  const write = options.write ?? true;
  const results: PinnedFile[] = [];
  for (const entry of pinned) {
    const changed = entry.text !== entry.source.text;
    if (changed && write) {
      await writeFileAtomic(entry.source.file, entry.text);
    }
    results.push({
      file: entry.source.file,
      before: entry.source.text,
      after: entry.text,
      changed,
      written: changed && write,
      diff: unifiedDiff(entry.source.text, entry.text, diffLabels(entry.source.file)),
    });
  }

  const result: PinResult = { files: results, images, pinned: images.every((image) => image.status === 'pinned' || image.status === 'skipped') };
  if (chart !== undefined) {
    result.chart = write ? await writeChartImages(chart) : chart.result;
  }
  return result;
}

/**
 * Pins the values in `text` without touching the file system and returns the
 * new text with the report. `file` only names the text in reports and errors.
 */
export async function pinValuesText(text: string, file: string, options: PinOptions): Promise<{ text: string; images: PinnedImage[] }> {
  const [pinned] = await pinSources([parseValuesSource(text, file)], options);
  return { text: pinned?.text ?? text, images: pinned?.images ?? [] };
}

/**
 * Reads and parses the values files `files` and returns their images without
 * resolving them, as {@link pinValues} would find them. Throws
 * {@link InvalidValuesFileError} like it.
 */
export async function readValuesImages(files: string[]): Promise<FoundImage[]> {
  const images: FoundImage[] = [];
  for (const file of files) {
    images.push(...findImages(parseValuesSource(await readValuesFile(file), file)));
  }
  return images;
}

/** Finds the images of a values text without resolving them, for audits and tests. */
export function findValuesImages(text: string, file: string): FoundImage[] {
  return findImages(parseValuesSource(text, file));
}

async function pinSources(sources: ValuesSource[], options: PinOptions): Promise<PinnedSource[]> {
  const found = sources.map((source) => ({ source, images: findImages(source), commented: findCommentedImages(source) }));
  const resolutions = await resolveImages(
    found.flatMap((entry) => entry.images),
    options.resolver,
    { ...(options.platform ? { platform: options.platform } : {}), ...(options.concurrency ? { concurrency: options.concurrency } : {}) },
  );

  const mode = options.mode ?? 'tag';
  return found.map(({ source, images, commented }) => {
    const pinned = pinSource(source, images, commented, resolutions, mode);
    verifyPinnedText(pinned);
    return pinned;
  });
}

async function readValuesFile(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new InvalidValuesFileError(file, describeReadFailure(error), undefined, undefined, { cause: error });
  }
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    throw new InvalidValuesFileError(file, 'the file is not valid UTF-8 text');
  }
  return text;
}
