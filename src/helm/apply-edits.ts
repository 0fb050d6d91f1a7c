import type { TextEdit } from './edits.js';

/** A text edit made for one image, identified by `owner`. */
export interface OwnedEdit extends TextEdit {
  owner: number;
}

/** Edits of different images that touch the same text with different results. */
export interface EditConflict {
  owners: number[];
  /** Offset where the edits meet. */
  offset: number;
}

/**
 * Finds edits that cannot all be applied: two images that need different
 * values in one scalar (an anchored tag shared by two images), or ranges that
 * overlap. Identical edits from several images are not conflicts; they are
 * applied once.
 */
export function findConflicts(edits: OwnedEdit[]): EditConflict[] {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const conflicts: EditConflict[] = [];
  for (let index = 0; index < sorted.length; index += 1) {
    const current = sorted[index];
    if (current === undefined) continue;
    for (let next = index + 1; next < sorted.length; next += 1) {
      const other = sorted[next];
      if (other === undefined || other.start > current.end || (other.start === current.end && current.start !== current.end)) {
        break;
      }
      const identical = other.start === current.start && other.end === current.end && other.text === current.text;
      if (!identical && other.owner !== current.owner) {
        conflicts.push({ owners: [current.owner, other.owner], offset: current.start });
      }
    }
  }
  return conflicts;
}

/**
 * Applies non-conflicting `edits` to `text`. Identical edits are applied once;
 * every other character of `text` is kept as it was.
 */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const unique = new Map<string, TextEdit>();
  for (const edit of edits) {
    unique.set(`${edit.start}:${edit.end}:${edit.text}`, edit);
  }
  const ordered = [...unique.values()].sort((a, b) => a.start - b.start || a.end - b.end);

  let result = '';
  let position = 0;
  for (const edit of ordered) {
    if (edit.start < position) {
      throw new Error(`overlapping edits at offset ${edit.start}; call findConflicts first`);
    }
    result += text.slice(position, edit.start) + edit.text;
    position = edit.end;
  }
  return result + text.slice(position);
}
