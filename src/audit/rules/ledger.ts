import { finding, type AuditFinding } from '../findings.js';
import { shortDigest } from '../format.js';
import type { LedgerDeletion, LedgerMismatch } from '../ledger.js';

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

/**
 * Reports immutable tags that the ledger recorded and the registry no longer
 * lists: the tag was deleted, so references pinned to it no longer pull.
 */
export function reportDeletedTags(deletions: readonly LedgerDeletion[]): AuditFinding[] {
  return deletions.map((deletion) =>
    finding(
      'deleted-immutable',
      deletion.tag,
      `immutable tag ${deletion.tag} was deleted: it pointed to ${shortDigest(deletion.recorded.digest)} when first seen at ${deletion.recorded.firstSeen}, and the registry no longer lists it`,
      { expected: deletion.recorded.digest, actual: null },
    ),
  );
}
