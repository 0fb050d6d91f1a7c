/**
 * The ledger: a JSON file that records the digest each immutable tag had when
 * an audit first saw it, so a later audit can tell when an immutable tag was
 * rewritten. An audit adds the tags it reads for the first time and never
 * changes a recorded entry.
 *
 * ```json
 * { "version": 1,
 *   "entries": { "ghcr.io/acme/etcd:3.4.13-debian-10-r8":
 *                  { "digest": "sha256:…", "firstSeen": "2024-05-01T10:00:00.000Z" } } }
 * ```
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { isValidDigest } from '../registry/digest.js';
import { LedgerError } from './errors.js';

/** The ledger entry of one immutable tag: its digest and when an audit first read it. */
export const LedgerEntry = z.object({
  digest: z.string().refine(isValidDigest, { message: 'must be sha256:<64 hex> or sha512:<128 hex>' }),
  firstSeen: z.iso.datetime({ offset: true }),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

/** The ledger file, keyed by `<registry>/<repository>:<tag>`. */
export const Ledger = z.object({
  version: z.literal(1),
  entries: z.record(z.string(), LedgerEntry),
});
export type Ledger = z.infer<typeof Ledger>;

/** An immutable tag whose digest differs from the one the ledger recorded. */
export interface LedgerMismatch {
  tag: string;
  recorded: LedgerEntry;
  actual: string;
}

/** An immutable tag that the ledger records and the registry no longer lists. */
export interface LedgerDeletion {
  tag: string;
  recorded: LedgerEntry;
}

/** Returns the ledger key of `tag` in `repository` (`registry/repository`). */
export function ledgerKey(repository: string, tag: string): string {
  return `${repository}:${tag}`;
}

/** Returns a ledger with no entries. */
export function emptyLedger(): Ledger {
  return { version: 1, entries: {} };
}

/**
 * Reads and validates the ledger at `path`. A missing file is an empty
 * ledger, which the audit creates. Throws {@link LedgerError} naming the
 * path and the bad field for anything that is not a version 1 ledger.
 */
export async function readLedger(path: string): Promise<Ledger> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return emptyLedger();
    }
    throw new LedgerError(path, `cannot read ledger ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseLedger(path, text);
}

/** Parses ledger text; `path` only names the file in errors. */
export function parseLedger(path: string, text: string): Ledger {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the text around the error, which can span lines, so they are joined into one.
    const reason = (error as Error).message.replace(/\s*\n\s*/g, ' ');
    throw new LedgerError(path, `ledger ${path} is not valid JSON (${reason}); fix or remove the file`, {
      cause: error,
    });
  }
  const parsed = Ledger.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['ledger', ...(issue?.path ?? []).map(String)].join('.');
    throw new LedgerError(
      path,
      `ledger ${path} is invalid at ${field}: ${issue?.message ?? 'unexpected content'}; expected {"version": 1, "entries": {"<registry/repository>:<tag>": {"digest", "firstSeen"}}}`,
    );
  }
  return parsed.data;
}

/**
 * Compares the immutable tags of one repository with `ledger` and records
 * the ones it does not have yet, with `firstSeen` set to `seenAt`. Returns
 * the tags whose digest differs from the recorded one; their entries stay
 * as they are, so every later audit reports them again.
 */
export function recordImmutableTags(
  ledger: Ledger,
  repository: string,
  digests: ReadonlyMap<string, string>,
  seenAt: Date,
): LedgerMismatch[] {
  const mismatches: LedgerMismatch[] = [];
  for (const [tag, digest] of digests) {
    const key = ledgerKey(repository, tag);
    const recorded = ledger.entries[key];
    if (recorded === undefined) {
      ledger.entries[key] = { digest, firstSeen: seenAt.toISOString() };
    } else if (recorded.digest !== digest) {
      mismatches.push({ tag, recorded, actual: digest });
    }
  }
  return mismatches;
}

/** Ledger entries by repository (`registry/repository`), then by tag. */
export type RecordedTags = ReadonlyMap<string, ReadonlyMap<string, LedgerEntry>>;

/**
 * Groups the ledger's entries by repository, reading each key once. A key is
 * `<registry>/<repository>:<tag>`, and a tag has no colon, so the last colon
 * ends the repository.
 */
export function recordedTags(ledger: Ledger): RecordedTags {
  const byRepository = new Map<string, Map<string, LedgerEntry>>();
  for (const [key, entry] of Object.entries(ledger.entries)) {
    const colon = key.lastIndexOf(':');
    const repository = key.slice(0, colon);
    let tags = byRepository.get(repository);
    if (tags === undefined) {
      tags = new Map();
      byRepository.set(repository, tags);
    }
    tags.set(key.slice(colon + 1), entry);
  }
  return byRepository;
}

/** Returns the repositories of `registry` among `recorded`, as `registry/repository`, sorted. */
export function recordedRepositories(recorded: RecordedTags, registry: string): string[] {
  const prefix = `${registry}/`;
  return [...recorded.keys()].filter((repository) => repository.startsWith(prefix)).sort(compareKeys);
}

/**
 * Returns the tags among `recorded` (the ledger's entries of one repository)
 * that `listed` (the repository's tag list) lacks: immutable tags deleted
 * since an audit first saw them, sorted by tag.
 */
export function findDeletedTags(recorded: ReadonlyMap<string, LedgerEntry> | undefined, listed: ReadonlySet<string>): LedgerDeletion[] {
  const deleted: LedgerDeletion[] = [];
  for (const [tag, entry] of recorded ?? []) {
    if (!listed.has(tag)) {
      deleted.push({ tag, recorded: entry });
    }
  }
  return deleted.sort((left, right) => compareKeys(left.tag, right.tag));
}

/**
 * Writes `ledger` to `path` atomically: to a temporary file in the same
 * folder, flushed to disk, then renamed over `path`, so a crash leaves the
 * old or the new file and never half of one. Entries that another audit
 * wrote to the file since it was read are kept, and where both have a key
 * the one on disk wins, because a recorded entry never changes.
 */
export async function writeLedger(path: string, ledger: Ledger): Promise<void> {
  // NOTE: when two audits see a tag for the first time with different digests,
  // the one written first wins and the other run reports no rewrite.
  const onDisk = await readLedger(path);
  const merged: Ledger = { version: 1, entries: { ...ledger.entries, ...onDisk.entries } };
  const sortedEntries = Object.fromEntries(Object.entries(merged.entries).sort(([left], [right]) => compareKeys(left, right)));
  const text = `${JSON.stringify({ version: 1, entries: sortedEntries }, null, 2)}\n`;

  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new LedgerError(path, `cannot write ledger ${path}: ${(error as Error).message}`, { cause: error });
  }
  ledger.entries = merged.entries;
}

// Code-unit order, unlike localeCompare, so the file is the same on every machine.
function compareKeys(left: string, right: string): number {
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}
