import { TagkeeperError } from '../errors.js';

/** A values file that cannot be read or parsed as YAML. The file is left as it was. */
export class InvalidValuesFileError extends TagkeeperError {
  override readonly name = 'InvalidValuesFileError';
  readonly code = 'INVALID_VALUES_FILE';

  constructor(
    /** Path of the file as given. */
    readonly file: string,
    /** The problem, such as a YAML syntax error. */
    readonly reason: string,
    /** 1-based line of the first problem, when known. */
    readonly line?: number,
    /** 1-based column of the first problem, when known. */
    readonly column?: number,
    options?: { cause?: unknown },
  ) {
    const position = line === undefined ? '' : `:${line}${column === undefined ? '' : `:${column}`}`;
    super(`invalid values file ${file}${position}: ${reason}; the file was not changed`, options);
  }
}

/** A chart folder given with `--chart` has no readable `Chart.yaml`, or its `images` annotation is not a YAML list. */
export class InvalidChartError extends TagkeeperError {
  override readonly name = 'InvalidChartError';
  readonly code = 'INVALID_CHART';

  constructor(
    /** Path of the chart folder or of its `Chart.yaml`. */
    readonly path: string,
    /** The problem, such as a missing file. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid chart ${path}: ${reason}; the chart was not changed`, options);
  }
}

/** A place in a values file that names an image. */
export interface ImagePlace {
  file: string;
  /** Path of the image inside the document, such as `metrics.image`. */
  path: string;
  /** 1-based line. */
  line: number;
}

/** One reference the resolver failed on, with every place that names it. */
export interface ImageResolveFailure {
  /** The normalised reference sent to the resolver. */
  reference: string;
  places: ImagePlace[];
  /** The resolver's error. */
  cause: unknown;
}

/**
 * Resolving one or more images failed: an image that does not exist, a
 * registry that rejects the request or cannot be reached. No file is written
 * when this is thrown.
 */
export class ImageResolveError extends TagkeeperError {
  override readonly name = 'ImageResolveError';
  readonly code = 'IMAGE_RESOLVE_FAILED';

  constructor(readonly failures: ImageResolveFailure[]) {
    super(describeFailures(failures), { cause: failures[0]?.cause });
  }
}

function describeFailures(failures: ImageResolveFailure[]): string {
  const parts = failures.map((failure) => {
    const places = failure.places.map((place) => `${place.file}:${place.line} ${place.path}`).join(', ');
    const cause = failure.cause instanceof Error ? failure.cause.message : String(failure.cause);
    return `${failure.reference} (at ${places}): ${cause}`;
  });
  const count = failures.length === 1 ? 'an image' : `${failures.length} images`;
  return `cannot resolve ${count}, no file was changed: ${parts.join('; ')}`;
}

/** Returns true for an {@link InvalidValuesFileError} from this or another copy of the package. */
export function isInvalidValuesFileError(value: unknown): value is InvalidValuesFileError {
  return typeof value === 'object' && value !== null && (value as { code?: unknown }).code === 'INVALID_VALUES_FILE';
}

/** Returns true for an {@link ImageResolveError} from this or another copy of the package. */
export function isImageResolveError(value: unknown): value is ImageResolveError {
  return typeof value === 'object' && value !== null && (value as { code?: unknown }).code === 'IMAGE_RESOLVE_FAILED';
}

/**
 * The pinned text did not read back as planned: it failed to parse, or an
 * image read back as another reference than the one pinned. Nothing is
 * written when this is thrown; it points to a defect in tagkeeper.
 */
export class PinVerificationError extends TagkeeperError {
  override readonly name = 'PinVerificationError';
  readonly code = 'PIN_VERIFICATION_FAILED';

  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`pinning ${file} was stopped before writing because the new text did not read back as planned: ${reason}`);
  }
}
