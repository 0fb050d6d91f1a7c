import { TagkeeperError } from '../errors.js';

/** A reference given to resolve names no manifest in its registry. */
export class ReferenceNotFoundError extends TagkeeperError {
  override readonly name = 'ReferenceNotFoundError';
  readonly code = 'REFERENCE_NOT_FOUND';

  constructor(readonly reference: string) {
    super(`${reference} not found: the registry has no manifest for it; check the repository and tag`);
  }
}
