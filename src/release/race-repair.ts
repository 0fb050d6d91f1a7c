/**
 * The repair a publish makes when it loses a race: the registry API has no
 * conditional PUT, so another publish of the same revision can overwrite the
 * immutable tag after this run wrote rolling tags next to it.
 */
import { DigestMismatchError } from '../registry/errors.js';
import type { RollingTagRepair } from './errors.js';
import type { ReleasePlan } from './plan.js';
import { digestReference, formatRepository, tagReference, type FetchedManifest, type ReleaseRegistry } from './ports.js';

/**
 * Moves each rolling tag this run wrote to the image the immutable tag points to now. That image is a
 * build of the same version, distro and revision, so the tag does not move backwards. A tag moves only
 * when a HEAD right before the move finds it still on this run's image and the immutable tag on
 * another image. Otherwise it stays, and the repair records why.
 */
export async function repairRollingTags(registry: ReleaseRegistry, plan: ReleasePlan, tags: readonly string[]): Promise<RollingTagRepair[]> {
  const repairs: RollingTagRepair[] = [];
  const manifests = new Map<string, FetchedManifest>();

  for (const tag of tags) {
    try {
      const [owner, now] = await Promise.all([digestOf(registry, plan, plan.immutable), digestOf(registry, plan, tag)]);
      if (now !== plan.digest) {
        repairs.push({ tag, outcome: 'left', reason: `another writer moved it to ${now ?? 'no manifest'}` });
        continue;
      }
      if (owner === undefined) {
        repairs.push({ tag, outcome: 'left', reason: 'no image holds the immutable tag' });
        continue;
      }
      if (owner === plan.digest) {
        repairs.push({ tag, outcome: 'left', reason: 'the immutable tag points to this image again' });
        continue;
      }

      let manifest = manifests.get(owner);
      if (manifest === undefined) {
        manifest = await registry.getManifest(digestReference(plan.target, owner));
        manifests.set(owner, manifest);
      }
      // NOTE: as with every tag write, a writer acting between the HEAD above and this PUT is overwritten.
      const stored = await registry.putManifest(tagReference(plan.target, tag), manifest.bytes, manifest.descriptor.mediaType);
      if (stored !== owner) {
        throw new DigestMismatchError(owner, stored, `the manifest put under ${formatRepository(plan.target)}:${tag}`);
      }
      repairs.push({ tag, outcome: 'moved', digest: owner });
    } catch (error) {
      // A failed move is recorded in the conflict's repairs rather than thrown, so the caller still gets the conflict.
      repairs.push({ tag, outcome: 'left', reason: `moving it failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return repairs;
}

async function digestOf(registry: ReleaseRegistry, plan: ReleasePlan, tag: string): Promise<string | undefined> {
  const descriptor = await registry.headManifest(tagReference(plan.target, tag));
  return descriptor?.digest;
}
