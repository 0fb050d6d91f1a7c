/**
 * OCI tag grammar, from distribution-spec v1.1.0 ("Pulling manifests"):
 * `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`. Shared by the tag scheme and the
 * registry client, which must agree on it.
 */
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** Returns true when `tag` is a valid OCI tag. */
export function isValidTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}
