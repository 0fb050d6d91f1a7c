import { formatReference } from '../registry/reference.js';
import { isInvalidValuesFileError, PinVerificationError } from './errors.js';
import { findImages } from './find-images.js';
import type { PinnedSource } from './pin-source.js';
import { parseValuesSource, type ValuesSource } from './values-source.js';

/**
 * Parses the pinned text again and checks that it is valid YAML and that each
 * image reads back as the reference it was pinned to, and every other image
 * as it was. Throws {@link PinVerificationError} otherwise, before any write.
 */
export function verifyPinnedText(pinned: PinnedSource): void {
  if (pinned.text === pinned.source.text) {
    return;
  }
  const file = pinned.source.file;
  const reparsed = parsePinnedText(pinned.text, file);
  if (reparsed.documents.length !== pinned.source.documents.length) {
    throw new PinVerificationError(file, `the new text has ${reparsed.documents.length} documents instead of ${pinned.source.documents.length}`);
  }

  const before = new Map(findImages(pinned.source).map((image) => [`${image.document}:${image.path}`, image]));
  const after = new Map(findImages(reparsed).map((image) => [`${image.document}:${image.path}`, image]));
  for (const report of pinned.images) {
    if (report.shape === 'comment') {
      continue;
    }
    const key = `${report.document}:${report.path}`;
    const found = after.get(key);
    const expected = report.status === 'changed' ? report.new : referenceOf(before.get(key));
    const actual = referenceOf(found);
    if (actual !== expected) {
      throw new PinVerificationError(file, `${report.path} reads back as ${actual ?? 'no image'} instead of ${expected ?? 'no image'}`);
    }
  }
}

function referenceOf(image: ReturnType<typeof findImages>[number] | undefined): string | undefined {
  if (image?.reference === undefined) {
    return undefined;
  }
  const { registry, repository, tag, digest } = image.reference;
  return formatReference({ registry, repository, ...(image.implicitTag || tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) });
}

/**
 * Parses text that pinning produced. A syntax error there is a defect of the
 * edits, not of the user's file, so it throws {@link PinVerificationError}.
 */
export function parsePinnedText(text: string, file: string): ValuesSource {
  try {
    return parseValuesSource(text, file);
  } catch (error) {
    if (isInvalidValuesFileError(error)) {
      const position = error.line === undefined ? '' : ` at line ${error.line}`;
      throw new PinVerificationError(file, `the new text is not valid YAML${position} (${error.reason})`);
    }
    throw error;
  }
}
