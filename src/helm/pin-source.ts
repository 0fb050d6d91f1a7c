import { isValidTag } from '../grammar.js';
import { parseDigest } from '../registry/digest.js';
import { formatReference, type Reference } from '../registry/reference.js';
import { applyEdits, findConflicts, type OwnedEdit } from './apply-edits.js';
import type { CommentedImage } from './commented-images.js';
import { editsForImage } from './edits.js';
import type { FoundImage, PinMode, PinnedImage, ValueChange } from './model.js';
import { planImage, type ImagePlan } from './plan.js';
import { resolveKey, type Resolutions } from './resolve-images.js';
import { lineAt, type ValuesSource } from './values-source.js';

/** A values file with its pinned text and the report of every image in it. */
export interface PinnedSource {
  source: ValuesSource;
  /** The new text; equal to `source.text` when nothing changed. */
  text: string;
  images: PinnedImage[];
}

interface Entry {
  image: FoundImage;
  report: PinnedImage;
  edits: OwnedEdit[];
}

/**
 * Computes the pinned text of one values file from the resolutions of its
 * images. Only the scalars that change are replaced, and digest keys
 * inserted, so every other byte of the file is kept. Images whose edits clash
 * are reported as unpinned and left as they were: two images that share one
 * anchored tag but need different values, for example.
 */
export function pinSource(
  source: ValuesSource,
  images: FoundImage[],
  commented: CommentedImage[],
  resolutions: Resolutions,
  mode: PinMode,
): PinnedSource {
  const entries = images.map((image, index) => planEntry(source, image, index, resolutions, mode));

  // Values of images that are not changed are protected: an edit made for another image through a
  // shared anchor or merge must not change them.
  const protectedValues = entries.flatMap((entry, owner) => (entry.report.status === 'changed' ? [] : keepEdits(source, entry.image, owner)));
  const unpin = new Map<number, string>();
  for (const conflict of findConflicts([...entries.flatMap((entry) => entry.edits), ...protectedValues])) {
    const line = lineAt(source, conflict.offset);
    for (const owner of conflict.owners) {
      const other = entries[conflict.owners.find((candidate) => candidate !== owner) ?? owner];
      if (entries[owner]?.report.status !== 'changed' || other === undefined) continue;
      const need = other.report.status === 'changed' ? 'needs a different value' : `must keep it (${other.report.status})`;
      unpin.set(
        owner,
        `the value at line ${line} is shared (through an anchor or merge) with ${other.image.path}, which ${need}; give each image its own value to pin it`,
      );
    }
  }
  for (const [owner, reason] of unpin) {
    const entry = entries[owner];
    if (entry === undefined) continue;
    const { new: _dropped, ...rest } = entry.report;
    entry.report = { ...rest, status: 'unpinned', changes: [], reason };
    entry.edits = [];
  }

  const text = applyEdits(source.text, entries.flatMap((entry) => entry.edits));
  const reports = [...entries.map((entry) => entry.report), ...commented.map((example) => commentReport(source, example))];
  reports.sort((a, b) => a.document - b.document || a.line - b.line);
  return { source, text, images: reports };
}

function planEntry(source: ValuesSource, image: FoundImage, owner: number, resolutions: Resolutions, mode: PinMode): Entry {
  const base: PinnedImage = {
    file: image.file,
    document: image.document,
    path: image.path,
    line: image.line,
    aliases: image.aliases,
    shape: image.shape,
    status: 'skipped',
    old: image.written,
    changes: [],
  };
  if (image.problem !== undefined || image.reference === undefined) {
    return { image, report: { ...base, status: image.problem?.status ?? 'unpinned', reason: image.problem?.reason }, edits: [] };
  }

  const reference: Reference = image.reference;
  const key = resolveKey(reference);
  const resolved = resolutions.get(key);
  if (resolved === undefined) {
    throw new Error(`no resolution for ${key}; resolveImages must run before pinSource`);
  }
  const resolvedFields = { ...base, reference: key, digest: resolved.digest };
  const plan = planImage({ ...image, reference }, resolved, mode);
  const invalid = invalidPlan(plan);
  if (invalid !== undefined) {
    return { image, report: { ...resolvedFields, status: 'unpinned', reason: invalid }, edits: [] };
  }
  if (plan.status === 'unpinned') {
    return { image, report: { ...resolvedFields, status: 'unpinned', reason: plan.reason }, edits: [] };
  }

  const result = editsForImage(source, image, plan);
  if ('problem' in result) {
    return { image, report: { ...resolvedFields, status: 'unpinned', reason: result.problem }, edits: [] };
  }
  return {
    image,
    report: withReason({ ...resolvedFields, status: plan.status, new: formatReference(plan.reference), changes: result.changes }, plan.reason),
    edits: result.edits.map((edit) => ({ ...edit, owner })),
  };
}

/** Edits that rewrite the values of `image` with their own text, marking them as values that must not change. */
function keepEdits(source: ValuesSource, image: FoundImage, owner: number): OwnedEdit[] {
  const slots = [image.block?.repository, image.block?.registry, image.block?.tag, image.block?.digest, image.string?.slot];
  return slots.flatMap((slot) => {
    const range = slot?.node?.range;
    return range ? [{ start: range[0], end: range[1], text: source.text.slice(range[0], range[1]), owner }] : [];
  });
}

/** Checks the tag and digest the resolver returned before they are written, so an invalid value never reaches the file. */
function invalidPlan(plan: ImagePlan): string | undefined {
  if (plan.tag !== undefined && !isValidTag(plan.tag)) {
    return `the resolver returned the invalid tag "${plan.tag}"`;
  }
  if (plan.digest !== undefined) {
    try {
      parseDigest(plan.digest);
    } catch {
      return `the resolver returned the invalid digest "${plan.digest}"`;
    }
  }
  return undefined;
}

function withReason(report: PinnedImage, reason: string | undefined): PinnedImage {
  return reason === undefined ? report : { ...report, reason };
}

function commentReport(source: ValuesSource, example: CommentedImage): PinnedImage {
  return {
    file: source.file,
    document: documentAtLine(source, example.line),
    path: '',
    line: example.line,
    aliases: [],
    shape: 'comment',
    status: 'skipped',
    old: example.text,
    reason: 'a commented-out example; uncomment it to pin it',
    changes: [] as ValueChange[],
  };
}

function documentAtLine(source: ValuesSource, line: number): number {
  const offset = source.lineStarts[line - 1] ?? 0;
  const index = source.documents.findIndex((document) => (document.range?.[2] ?? 0) > offset);
  return index === -1 ? Math.max(0, source.documents.length - 1) : index;
}
