import { isRegistryError } from '../registry/errors.js';
import type { ImagePlace, ImageResolveFailure } from './errors.js';

/** Failures of one registry that did not respond, for one cause. */
interface UnreachableGroup {
  kind: 'unreachable';
  registry: string;
  /** The short cause, such as `connection refused`. */
  failure: string;
  references: string[];
  places: ImagePlace[];
}

/** A failure named on its own, with its reference and places. */
interface SingleFailure {
  kind: 'single';
  failure: ImageResolveFailure;
}

/**
 * Describes resolve failures in one line that ends in "no file was changed".
 * Images on a registry that did not respond are counted under that registry
 * and its cause, so a stopped registry gives one clause, not one per image:
 * `cannot reach 127.0.0.1:5000 (connection refused) for 6 images (first:
 * values.yaml:7 image)`. Every other failure is named with its reference,
 * its places and its own message, in the order the failures came.
 */
export function describeResolveFailures(failures: ImageResolveFailure[]): string {
  const entries: Array<UnreachableGroup | SingleFailure> = [];
  const groups = new Map<string, UnreachableGroup>();
  for (const failure of failures) {
    const cause = noResponseCause(failure.cause);
    if (cause === undefined) {
      entries.push({ kind: 'single', failure });
      continue;
    }

    const registry = registryOf(failure.reference);
    const key = `${registry} ${cause}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { kind: 'unreachable', registry, failure: cause, references: [], places: [] };
      groups.set(key, group);
      entries.push(group);
    }
    group.references.push(failure.reference);
    group.places.push(...failure.places);
  }

  const clauses = entries.map((entry) => (entry.kind === 'single' ? describeSingle(entry.failure) : describeUnreachable(entry)));
  return `${clauses.join('; ')}; no file was changed`;
}

function describeSingle(failure: ImageResolveFailure): string {
  const cause = failure.cause instanceof Error ? failure.cause.message : String(failure.cause);
  return `cannot resolve ${failure.reference} (at ${failure.places.map(formatPlace).join(', ')}): ${cause}`;
}

function describeUnreachable(group: UnreachableGroup): string {
  const subject = `cannot reach ${group.registry} (${group.failure})`;
  const [first] = group.places;
  if (first === undefined) {
    return `${subject} for ${group.references.join(', ')}`;
  }
  if (group.places.length === 1) {
    return `${subject} for ${group.references[0] ?? 'an image'} (at ${formatPlace(first)})`;
  }
  return `${subject} for ${group.places.length} images (first: ${formatPlace(first)})`;
}

/** Returns the short cause of a registry error that got no response (`connection refused`), else undefined. */
function noResponseCause(cause: unknown): string | undefined {
  if (!isRegistryError(cause) || cause.status !== undefined) {
    return undefined;
  }
  return cause.failure === '' ? undefined : cause.failure;
}

/** Returns the registry of a normalised reference, which is everything before its first "/". */
function registryOf(reference: string): string {
  const slash = reference.indexOf('/');
  return slash === -1 ? reference : reference.slice(0, slash);
}

function formatPlace(place: ImagePlace): string {
  return `${place.file}:${place.line} ${place.path}`;
}
