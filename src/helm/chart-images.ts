import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, Scalar, type YAMLMap } from 'yaml';
import { parseReference, type Reference } from '../registry/reference.js';
import { applyEdits } from './apply-edits.js';
import { writeFileAtomic } from './atomic-write.js';
import type { TextEdit } from './edits.js';
import { describeReadFailure, InvalidChartError, isInvalidValuesFileError } from './errors.js';
import type { PinnedImage } from './model.js';
import { renderScalar } from './scalar-render.js';
import { diffLabels, unifiedDiff } from './unified-diff.js';
import { parsePinnedText } from './verify.js';
import { parseValuesSource, VALUES_PARSE_OPTIONS, type ValuesSource } from './values-source.js';
import { keyName, resolveNode } from './yaml-tree.js';

/**
 * Annotation keys that list a chart's images as a YAML string holding a list
 * of `{name, image}`: Bitnami's `images` and Artifact Hub's
 * `artifacthub.io/images` (artifacthub.io/docs/topics/annotations/helm).
 */
export const CHART_IMAGES_ANNOTATIONS = ['images', 'artifacthub.io/images'] as const;

/** One entry of an images annotation after the update. */
export interface ChartImageEntry {
  annotation: string;
  name: string;
  old: string;
  /** The new reference; absent when the entry was left as it was. */
  new?: string;
  /** The reason an entry was left as it was. */
  reason?: string;
}

/** The entries {@link updateChartImages} found and the change it made to `Chart.yaml`. */
export interface ChartImagesResult {
  file: string;
  entries: ChartImageEntry[];
  changed: boolean;
  written: boolean;
  diff: string;
  /** Set when the chart has no images annotation, or one that cannot be edited. */
  note?: string;
}

/** A computed update of `Chart.yaml`, written by {@link writeChartImages}. */
export interface ChartImagesUpdate {
  result: ChartImagesResult;
  /** The new text of `Chart.yaml`. */
  after: string;
}

/**
 * Updates the images annotations of `chartDir/Chart.yaml` to the pinned
 * references of `images`. An entry is matched by registry and repository.
 * When several pinned images share the repository with different results,
 * the one whose old tag equals the entry's tag wins, and without one the
 * entry is left as it was. Only the `image` values change, inside the `|`
 * block, and the file is replaced atomically.
 */
export async function updateChartImages(chartDir: string, images: PinnedImage[], options: { write: boolean }): Promise<ChartImagesResult> {
  const update = await prepareChartImages(chartDir, images);
  return options.write ? writeChartImages(update) : update.result;
}

/** Writes a prepared update when it changes the file, and returns its result with `written` set. */
export async function writeChartImages(update: ChartImagesUpdate): Promise<ChartImagesResult> {
  if (!update.result.changed) {
    return update.result;
  }
  await writeFileAtomic(update.result.file, update.after);
  return { ...update.result, written: true };
}

/**
 * Computes the update of `chartDir/Chart.yaml` without writing it, so that a
 * bad chart is found before any values file is written.
 *
 * @throws InvalidChartError when `Chart.yaml` cannot be read or parsed, or an images annotation is not a YAML list.
 */
export async function prepareChartImages(chartDir: string, images: PinnedImage[]): Promise<ChartImagesUpdate> {
  const file = join(chartDir, 'Chart.yaml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidChartError(file, describeReadFailure(error), { cause: error });
  }
  let source: ValuesSource;
  try {
    source = parseValuesSource(text, file);
  } catch (error) {
    if (isInvalidValuesFileError(error)) {
      throw new InvalidChartError(file, error.reason, { cause: error, line: error.line, column: error.column });
    }
    throw error;
  }

  const document = source.documents[0];
  const root = document ? resolveNode(document, document.contents) : undefined;
  const annotations = isMap(root) && document ? resolveNode(document, root.items.find((pair) => keyName(pair) === 'annotations')?.value) : undefined;
  const result: ChartImagesResult = { file, entries: [], changed: false, written: false, diff: '' };
  if (!isMap(annotations) || document === undefined) {
    return { result: { ...result, note: 'Chart.yaml has no annotations, so no images list was updated' }, after: text };
  }

  const edits: TextEdit[] = [];
  const notes: string[] = [];
  for (const annotation of CHART_IMAGES_ANNOTATIONS) {
    const node = resolveNode(document, (annotations as YAMLMap).items.find((pair) => keyName(pair) === annotation)?.value);
    if (node === undefined) {
      continue;
    }
    if (!isScalar(node) || node.type !== Scalar.BLOCK_LITERAL || typeof node.value !== 'string') {
      notes.push(`the ${annotation} annotation is not a | block, so it was not updated; write it as "${annotation}: |" followed by the list`);
      continue;
    }
    edits.push(...annotationEdits(source, annotation, node, images, result.entries));
  }
  if (result.entries.length === 0 && notes.length === 0) {
    notes.push(`Chart.yaml has no ${CHART_IMAGES_ANNOTATIONS.join(' or ')} annotation, so no images list was updated`);
  }

  const after = applyEdits(text, edits);
  const changed = after !== text;
  if (changed) {
    parsePinnedText(after, file);
  }
  return {
    result: {
      ...result,
      changed,
      diff: unifiedDiff(text, after, diffLabels(file)),
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    },
    after,
  };
}

function annotationEdits(source: ValuesSource, annotation: string, node: Scalar, images: PinnedImage[], entries: ChartImageEntry[]): TextEdit[] {
  const value = node.value as string;
  const inner = parseDocument(value, VALUES_PARSE_OPTIONS);
  const list = inner.contents;
  if (inner.errors.length > 0 || !isSeq(list)) {
    throw new InvalidChartError(source.file, `the ${annotation} annotation is not a YAML list of {name, image}`);
  }
  const toOuter = blockOffsetMapper(source.text, node, value);
  const edits: TextEdit[] = [];

  for (const item of list.items) {
    if (!isMap(item)) continue;
    const imagePair = item.items.find((pair) => keyName(pair) === 'image');
    const imageNode = imagePair?.value;
    const name = String(item.items.find((pair) => keyName(pair) === 'name')?.value ?? '');
    if (!isScalar(imageNode) || typeof imageNode.value !== 'string' || !imageNode.range) continue;

    const old = imageNode.value;
    const match = matchPinned(old, images);
    if ('reason' in match) {
      entries.push({ annotation, name, old, reason: match.reason });
      continue;
    }
    const start = toOuter(imageNode.range[0]);
    const end = toOuter(imageNode.range[1]);
    const text = renderScalar(match.value, { previous: imageNode, quote: source.quote, flow: false });
    if (start === undefined || end === undefined) {
      entries.push({ annotation, name, old, reason: 'the entry could not be located in Chart.yaml' });
      continue;
    }
    if (match.value !== old) {
      edits.push({ start, end, text });
    }
    entries.push({ annotation, name, old, new: match.value });
  }
  return edits;
}

function matchPinned(old: string, images: PinnedImage[]): { value: string } | { reason: string } {
  let entry: Reference;
  try {
    entry = parseReference(old);
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  }
  const candidates = images.flatMap((image) => {
    if (image.new === undefined || image.reference === undefined) return [];
    const before = parseReference(image.reference);
    const after = parseReference(image.new);
    return before.registry === entry.registry && before.repository === entry.repository ? [{ before, after }] : [];
  });
  const distinct = new Set(candidates.map((candidate) => `${candidate.after.tag ?? ''}@${candidate.after.digest ?? ''}`));
  const chosen =
    distinct.size === 1 ? candidates[0] : candidates.find((candidate) => candidate.before.tag === entry.tag || candidate.after.tag === entry.tag);
  if (chosen === undefined) {
    return {
      reason: candidates.length === 0 ? 'no pinned image in the values has this repository' : 'several pinned images have this repository and none has its tag',
    };
  }

  // Keep the name as the entry writes it, and replace its tag and digest.
  const digestAt = old.indexOf('@');
  const withoutDigest = digestAt === -1 ? old : old.slice(0, digestAt);
  const colon = withoutDigest.lastIndexOf(':');
  const name = colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
  const tag = chosen.after.tag ?? entry.tag;
  return { value: `${name}${tag === undefined ? '' : `:${tag}`}${chosen.after.digest === undefined ? '' : `@${chosen.after.digest}`}` };
}

/**
 * Maps an offset in the value of a `|` block scalar to an offset in the file.
 * Each line of the value is the file's line with the block indentation
 * removed, so an offset maps to the same column plus that indentation.
 */
function blockOffsetMapper(text: string, node: Scalar, value: string): (offset: number) => number | undefined {
  const [start = 0, end = 0] = node.range ?? [];
  const sourceLines: Array<{ start: number; text: string }> = [];
  let position = text.indexOf('\n', start) + 1;
  while (position > 0 && position < end) {
    const lineEnd = text.indexOf('\n', position);
    const stop = lineEnd === -1 ? text.length : lineEnd;
    sourceLines.push({ start: position, text: text.slice(position, stop).replace(/\r$/, '') });
    position = lineEnd === -1 ? -1 : lineEnd + 1;
  }
  const valueLines = value.split('\n');
  const indent = sourceLines.reduce<number | undefined>((found, line, index) => {
    const valueLine = valueLines[index];
    return found ?? (valueLine !== undefined && valueLine.trim() !== '' ? line.text.length - valueLine.length : undefined);
  }, undefined) ?? 0;

  return (offset) => {
    const before = value.slice(0, offset);
    const lineIndex = before.split('\n').length - 1;
    const column = offset - (before.lastIndexOf('\n') + 1);
    const line = sourceLines[lineIndex];
    return line === undefined ? undefined : line.start + indent + column;
  };
}
