import { TagkeeperError } from '../errors.js';

/**
 * An audit option is invalid: a duration such as `--max-age 7x`, a
 * concurrency below 1, or no repository to audit. `option` names the option.
 */
export class AuditOptionError extends TagkeeperError {
  override readonly name = 'AuditOptionError';
  readonly code = 'INVALID_ARGUMENT';

  constructor(
    /** The option as written on the command line, such as `--max-age`. */
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A ledger file cannot be used: it is not JSON, not version 1, or an entry
 * lacks its digest. The audit stops before it reads any registry, so a
 * damaged ledger is never overwritten.
 */
export class LedgerError extends TagkeeperError {
  override readonly name = 'LedgerError';
  readonly code = 'INVALID_LEDGER';

  constructor(
    /** Path of the ledger file. */
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A registry does not list its repositories (`GET /v2/_catalog` is missing
 * or denied), so `--catalog` cannot find what to audit.
 */
export class CatalogUnavailableError extends TagkeeperError {
  override readonly name = 'CatalogUnavailableError';
  readonly code = 'CATALOG_UNAVAILABLE';

  constructor(
    /** The registry host, such as `ghcr.io`. */
    readonly registry: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `registry ${registry} does not list its repositories (GET /v2/_catalog: ${reason}); name the repositories to audit as arguments instead`,
      options,
    );
  }
}

/** A manifest has a shape the config checks cannot read, such as an index nested in an index. */
export class UnsupportedManifestError extends TagkeeperError {
  override readonly name = 'UnsupportedManifestError';
  readonly code = 'UNSUPPORTED_MANIFEST';

  constructor(
    /** Digest of the manifest. */
    readonly digest: string,
    reason: string,
  ) {
    super(`cannot check the image config of manifest ${digest}: ${reason}`);
  }
}

/** An image config blob is not the JSON document image-spec describes. */
export class InvalidConfigError extends TagkeeperError {
  override readonly name = 'InvalidConfigError';
  readonly code = 'INVALID_CONFIG';

  constructor(
    /** Digest of the config blob. */
    readonly digest: string,
    reason: string,
  ) {
    super(`image config ${digest} cannot be read: ${reason}; rebuild or re-push the image`);
  }
}
