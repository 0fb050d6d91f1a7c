import { isAlias, isScalar, Scalar, type Pair } from 'yaml';
import { DIGEST_KEY } from './image-shapes.js';
import type { FoundImage, ValueChange, ValueSlot } from './model.js';
import type { ImagePlan } from './plan.js';
import { renderScalar } from './scalar-render.js';
import { columnAt, lineAt, lineEndAt, type ValuesSource } from './values-source.js';
import { formatPath, isFlowCollection } from './yaml-tree.js';

/** A replacement of the text between `start` and `end` (an insertion when they are equal). */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** The edits that pin one image, with the value changes they make. */
export type ImageEdits = { edits: TextEdit[]; changes: ValueChange[] } | { problem: string };

/** Builds the text edits that give `image` the values of `plan`. */
export function editsForImage(source: ValuesSource, image: FoundImage, plan: ImagePlan): ImageEdits {
  if (plan.status !== 'changed') {
    return { edits: [], changes: [] };
  }
  if (image.string) {
    const value = `${image.string.name}${plan.tag === undefined ? '' : `:${plan.tag}`}${plan.digest === undefined ? '' : `@${plan.digest}`}`;
    return collect([replaceSlot(source, image.string.slot, value)]);
  }

  const block = image.block;
  if (!block) {
    return { problem: 'the image has no values to edit' };
  }
  const current = image.reference;
  const results: SlotEdit[] = [];
  if (block.digestInTag) {
    if (block.tag === undefined) {
      return { problem: 'the tag key that holds the digest is missing' };
    }
    results.push(replaceSlot(source, block.tag, `${plan.tag ?? ''}@${plan.digest ?? ''}`));
    if (block.digest?.node && block.digest.node.value) {
      results.push(replaceSlot(source, block.digest, plan.digest ?? ''));
    }
    return collect(results);
  }

  if (plan.tag !== current?.tag) {
    if (block.tag === undefined || plan.tag === undefined) {
      return { problem: 'the block has no tag to replace' };
    }
    results.push(replaceSlot(source, block.tag, plan.tag));
  }
  if (plan.digest !== current?.digest && plan.digest !== undefined) {
    results.push(block.digest === undefined ? insertDigest(source, image, plan.digest) : replaceSlot(source, block.digest, plan.digest));
  }
  return collect(results);
}

type SlotEdit = { edit: TextEdit; change: ValueChange } | { problem: string };

function collect(results: SlotEdit[]): ImageEdits {
  const edits: TextEdit[] = [];
  const changes: ValueChange[] = [];
  for (const result of results) {
    if ('problem' in result) {
      return { problem: result.problem };
    }
    edits.push(result.edit);
    changes.push(result.change);
  }
  return { edits, changes };
}

/** Replaces the scalar of `slot`, keeping its quotes, anchor and tag; an empty `key:` gets a value after the colon. */
function replaceSlot(source: ValuesSource, slot: ValueSlot, value: string): SlotEdit {
  const node = slot.node;
  if (node === undefined || node.range === undefined || node.range === null) {
    return { problem: `${slot.path} has no scalar value to replace` };
  }
  if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
    return { problem: `${slot.path} is a block scalar (| or >); write it as a plain or quoted value to pin it` };
  }

  let [start, end] = node.range;
  let text = renderScalar(value, { previous: node, quote: source.quote, flow: slot.flow });
  if (start === end) {
    // `digest:` with no value: the parser places the empty value where the next token starts, which
    // may be a trailing comment. The new value goes right after the colon instead.
    let colon = start;
    while (colon > 0 && (source.text[colon - 1] === ' ' || source.text[colon - 1] === '\t')) colon -= 1;
    if (source.text[colon - 1] === ':') {
      start = colon;
      end = colon;
      text = ` ${text}`;
    }
  }
  const old = node.value === null || node.value === undefined ? undefined : String(node.value);
  return {
    edit: { start, end, text },
    change: { path: slot.path, line: lineAt(source, start), old: old === '' ? undefined : old, new: value },
  };
}

/**
 * Adds `digest: VALUE` to a block that has no digest key: on its own line
 * right after the tag, indented like that key, or after it with `, ` in a
 * flow map. When the tag comes from a merged map (`<<: *base`), the key goes
 * after the repository, or else after the block's last single-line value.
 */
function insertDigest(source: ValuesSource, image: FoundImage, digest: string): SlotEdit {
  const block = image.block;
  if (!block) {
    return { problem: 'the image is not a block' };
  }
  const pair = insertionAnchor(block);
  const valueEnd = valueEndOf(pair);
  const keyStart = (pair?.key as Scalar | undefined)?.range?.[0];
  if (pair === undefined || valueEnd === undefined || keyStart === undefined) {
    return { problem: 'the block has no single-line value of its own to add the digest key after; add a digest key to the block' };
  }

  const flow = isFlowCollection(block.map);
  const value = renderScalar(digest, { previous: undefined, quote: source.quote, flow });
  const path = formatPath([...block.segments, DIGEST_KEY]);
  if (flow) {
    return {
      edit: { start: valueEnd, end: valueEnd, text: `, ${DIGEST_KEY}: ${value}` },
      change: { path, line: lineAt(source, valueEnd), old: undefined, new: digest },
    };
  }
  const position = lineEndAt(source.text, valueEnd);
  const indent = ' '.repeat(columnAt(source, keyStart));
  return {
    edit: { start: position, end: position, text: `${source.eol}${indent}${DIGEST_KEY}: ${value}` },
    change: { path, line: lineAt(source, position) + 1, old: undefined, new: digest },
  };
}

function insertionAnchor(block: NonNullable<FoundImage['block']>): Pair | undefined {
  for (const slot of [block.tag, block.repository]) {
    if (slot?.owner === block.map && slot.pair !== undefined) {
      return slot.pair;
    }
  }
  // A single-line value: a scalar or an alias. After a map or list value the line end is not the pair's end.
  return block.map.items.findLast((pair) => isScalar(pair.value) || isAlias(pair.value));
}

function valueEndOf(pair: Pair | undefined): number | undefined {
  const value = pair?.value as Scalar | undefined;
  return value?.range?.[1] ?? (pair?.key as Scalar | undefined)?.range?.[1];
}
