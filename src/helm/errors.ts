import { TagkeeperError } from '../errors.js';
import { formatYamlPosition } from '../scheme/yaml-error.js';
import { describeResolveFailures } from './resolve-failures.js';

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
    super(`invalid values file ${file}${formatYamlPosition({ line, column })}: ${reason}; the file was not changed`, options);
  }
}

/**
 * A chart folder given with `--chart` has no readable `Chart.yaml`, the file
 * is not valid YAML, or its `images` annotation is not a YAML list. It is
 * thrown before any file is written.
 */
export class InvalidChartError extends TagkeeperError {
  override readonly name = 'InvalidChartError';
  readonly code = 'INVALID_CHART';
  /** 1-based line of a YAML syntax error, when known. */
  readonly line: number | undefined;
  /** 1-based column of a YAML syntax error, when known. */
  readonly column: number | undefined;

  constructor(
    /** Path of the chart's `Chart.yaml`. */
    readonly path: string,
    /** The problem, such as a missing file or a YAML syntax error. */
    readonly reason: string,
    options?: { cause?: unknown; line?: number; column?: number },
  ) {
    super(`invalid chart ${path}${formatYamlPosition(options ?? {})}: ${reason}; no file was changed`, options);
    this.line = options?.line;
    this.column = options?.column;
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
    super(describeResolveFailures(failures), { cause: failures[0]?.cause });
  }
}

/** Describes why a file could not be read, in the words pin errors use: `it is a folder, not a file`. */
export function describeReadFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'the file does not exist';
  if (code === 'EISDIR') return 'it is a folder, not a file';
  return `cannot read it (${code ?? String(error)})`;
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
