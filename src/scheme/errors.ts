import { TagkeeperError } from '../errors.js';

/**
 * An upstream version does not follow the version grammar of the tag scheme,
 * or its build metadata (`+…`) cannot be mapped under the policy's rule.
 */
export class InvalidVersionError extends TagkeeperError {
  override readonly name = 'InvalidVersionError';
  readonly code = 'INVALID_VERSION';

  /** The version string as it was given. */
  readonly version: string;
  /** Why the version is invalid, without the version itself: `it is empty`. */
  readonly reason: string;

  /** Builds the message `invalid version "<version>": <reason>; <hint>`. */
  constructor(version: string, reason: string, hint: string) {
    super(`invalid version "${version}": ${reason}; ${hint}`);
    this.version = version;
    this.reason = reason;
  }
}

/**
 * A tag, or a part of one (distro, revision), is invalid: it breaks the OCI tag
 * grammar, exceeds 128 characters, or would not read back as the tag it is
 * meant to be.
 */
export class InvalidTagError extends TagkeeperError {
  override readonly name = 'InvalidTagError';
  readonly code = 'INVALID_TAG';

  /** The offending tag or tag part. */
  readonly tag: string;

  constructor(tag: string, message: string) {
    super(message);
    this.tag = tag;
  }
}

/** A tag policy is invalid. `field` names the bad field, such as `policy.levels[2]`. */
export class TagPolicyError extends TagkeeperError {
  override readonly name = 'TagPolicyError';
  readonly code = 'TAG_POLICY';

  /** Path of the bad field, such as `policy.levels[2]`, or `policy` for the whole object. */
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.field = field;
  }
}

/** Returns true for an {@link InvalidVersionError}, from this or another copy of the package. */
export function isInvalidVersionError(value: unknown): value is InvalidVersionError {
  return hasCode(value, 'INVALID_VERSION');
}

/** Returns true for an {@link InvalidTagError}, from this or another copy of the package. */
export function isInvalidTagError(value: unknown): value is InvalidTagError {
  return hasCode(value, 'INVALID_TAG');
}

/** Returns true for a {@link TagPolicyError}, from this or another copy of the package. */
export function isTagPolicyError(value: unknown): value is TagPolicyError {
  return hasCode(value, 'TAG_POLICY');
}

function hasCode(value: unknown, code: string): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isTagkeeperError?: unknown }).isTagkeeperError === true &&
    (value as { code?: unknown }).code === code
  );
}
