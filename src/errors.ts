/**
 * The base of every error tagkeeper throws.
 *
 * Each subclass has a fixed `name` and a stable `code`, so callers can branch on
 * `error.code` even when two copies of the package are loaded and `instanceof`
 * fails across them.
 */
export abstract class TagkeeperError extends Error {
  /** Stable machine-readable code, such as `INVALID_VERSION` or `MANIFEST_UNKNOWN`. */
  abstract readonly code: string;

  /** Marks the object for {@link isTagkeeperError}, which cannot rely on `instanceof`. */
  readonly isTagkeeperError = true as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Returns true for any error thrown by tagkeeper, from this or another copy of the package. */
export function isTagkeeperError(value: unknown): value is TagkeeperError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isTagkeeperError?: unknown }).isTagkeeperError === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}
