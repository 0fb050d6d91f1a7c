import { finding, type AuditFinding } from '../findings.js';
import { shortDigest } from '../format.js';
import type { LedgerMismatch } from '../ledger.js';

/**
 * Reports immutable tags whose digest differs from the one the ledger
 * recorded: the tag was rewritten, which the scheme never allows.
 */
export function reportRewrittenTags(mismatches: readonly LedgerMismatch[]): AuditFinding[] {
  return mismatches.map((mismatch) =>
    finding(
      'rewritten-immutable',
      mismatch.tag,
      `immutable tag ${mismatch.tag} was rewritten: it pointed to ${shortDigest(mismatch.recorded.digest)} when first seen at ${mismatch.recorded.firstSeen}, and now points to ${shortDigest(mismatch.actual)}`,
      { expected: mismatch.recorded.digest, actual: mismatch.actual },
    ),
  );
}
