import type { ForeignTag } from '../../scheme/tag.js';
import { finding, type AuditFinding } from '../findings.js';

/** Lists tags outside the scheme (`nightly`, `sha256-….sig`) with the reason, as info; an audit does not judge them. */
export function listForeignTags(foreignTags: readonly ForeignTag[]): AuditFinding[] {
  return foreignTags.map((tag) => finding('foreign-tag', tag.tag, `${tag.tag} is not a scheme tag: ${tag.reason}`));
}
