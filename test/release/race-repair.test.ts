/**
 * A publish that finds its immutable tag overwritten by a racing publish
 * moves the rolling tags it wrote to the image the immutable tag points to,
 * so no rolling tag is left on an image without an immutable tag.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/release/apply.js';
import { ReleaseConflictError, RollingTagChangedError } from '../../src/release/errors.js';
import { buildPlan, type ReleasePlan } from '../../src/release/plan.js';
import { FakeReleaseRegistry, InjectedFailure } from './fake-registry.js';
import { HookedRegistry, type HookedCall } from './hooked-registry.js';

const staging = { registry: 'reg.test', repository: 'staging/etcd' };
const target = { registry: 'reg.test', repository: 'acme/etcd' };
const IMMUTABLE = '3.5.10-debian-12-r0';
const ROLLING = ['3.5.10', '3', 'latest'];

let registry: FakeReleaseRegistry;
let mine: string;
let theirs: string;
let older: string;

beforeEach(() => {
  registry = new FakeReleaseRegistry();
  mine = registry.addImage(staging, { layers: ['base', 'app 3.5.10 build a'] });
  theirs = registry.addImage(target, { layers: ['base', 'app 3.5.10 build b'] });
  older = registry.addImage(target, { layers: ['base', 'app 3.5.9'] });
  registry.setTag(target, '3.5.9-debian-12-r0', older);
  registry.setTag(target, '3', older);
  registry.setTag(target, 'latest', older);
});

/** Plans revision 0 of 3.5.10 for `digest`, from the tags the registry has now. */
function plan(digest: string, repository = staging): ReleasePlan {
  return buildPlan({
    source: `reg.test/${repository.repository}@${digest}`,
    sourceReference: { ...repository, digest },
    target,
    digest,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    version: '3.5.10',
    distro: 'debian-12',
    revision: 0,
    immutable: IMMUTABLE,
    revisionChoice: { kind: 'new', reason: 'first revision' },
    rolling: [
      { tag: 'latest', level: 'latest', moves: true },
      { tag: '3', level: 'major', moves: true },
      { tag: '3.5.10', level: 'version', moves: true },
    ],
    current: new Map([
      ['3', older],
      ['latest', older],
    ]),
    copy: true,
  });
}

/** Rolling tags that point to an image no immutable tag of the repository points to. */
function orphans(tags: Record<string, string>): string[] {
  const named = new Set(Object.entries(tags).filter(([tag]) => /-r\d+$/.test(tag)).map(([, digest]) => digest));
  return Object.entries(tags)
    .filter(([tag, digest]) => !/-r\d+$/.test(tag) && !named.has(digest))
    .map(([tag]) => tag);
}

async function conflictOf(run: Promise<unknown>): Promise<ReleaseConflictError> {
  const error = await run.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ReleaseConflictError);
  return error as ReleaseConflictError;
}

describe('race repair of rolling tags', () => {
  it.each([
    { after: IMMUTABLE, moved: [] as string[] },
    { after: '3.5.10', moved: ['3.5.10'] },
    { after: '3', moved: ['3.5.10', '3'] },
    { after: 'latest', moved: ['3.5.10', '3', 'latest'] },
  ])('moves the tags written before an overwrite after $after', async ({ after, moved }) => {
    registry.afterCall = (call) => {
      if (call.method === 'putManifest' && call.target.endsWith(`:${after}`)) {
        registry.setTag(target, IMMUTABLE, theirs);
      }
    };

    const conflict = await conflictOf(applyPlan(registry, plan(mine)));
    const tags = registry.tagMap(target);

    expect(conflict.phase).toBe('after-write');
    expect(conflict.actualDigest).toBe(theirs);
    expect(conflict.repairs).toEqual(moved.map((tag) => ({ tag, outcome: 'moved', digest: theirs })));
    for (const tag of moved) {
      expect(tags[tag], tag).toBe(theirs);
    }
    for (const tag of ROLLING.filter((rolling) => !moved.includes(rolling))) {
      expect(tags[tag], tag).not.toBe(mine);
    }
    expect(orphans(tags)).toEqual([]);
  });

  it('reports the moves in the state and message', async () => {
    registry.afterCall = (call) => {
      if (call.method === 'putManifest' && call.target.endsWith(':3')) {
        registry.setTag(target, IMMUTABLE, theirs);
      }
    };

    const conflict = await conflictOf(applyPlan(registry, plan(mine)));

    expect(conflict.written).toEqual([IMMUTABLE, '3.5.10', '3']);
    expect(conflict.state).toEqual([
      { tag: IMMUTABLE, digest: theirs },
      { tag: '3.5.10', digest: theirs },
      { tag: '3', digest: theirs },
      { tag: 'latest', digest: older },
    ]);
    expect(conflict.message).toContain(`to the image the immutable tag points to: 3.5.10 -> ${theirs}, 3 -> ${theirs}.`);
    expect(conflict.message).toContain(`Tags now: ${IMMUTABLE} -> ${theirs}, 3.5.10 -> ${theirs}`);
  });

  it('leaves a tag another writer moved since this run wrote it', async () => {
    const newer = registry.addImage(target, { layers: ['base', 'app 3.6.0'] });
    registry.afterCall = (call) => {
      if (call.method === 'putManifest' && call.target.endsWith(':3')) {
        registry.setTag(target, '3', newer);
        registry.setTag(target, IMMUTABLE, theirs);
      }
    };

    const conflict = await conflictOf(applyPlan(registry, plan(mine)));

    expect(conflict.repairs).toEqual([
      { tag: '3.5.10', outcome: 'moved', digest: theirs },
      { tag: '3', outcome: 'left', reason: `another writer moved it to ${newer}` },
    ]);
    expect(registry.tagMap(target)['3']).toBe(newer);
    expect(conflict.message).toContain(`It left 3 (another writer moved it to ${newer}).`);
  });

  it('leaves the tags when no image holds the immutable tag', async () => {
    registry.afterCall = (call) => {
      if (call.method === 'putManifest' && call.target.endsWith(':3.5.10')) {
        // Pointing the tag at a digest the repository has no manifest for makes HEAD find nothing.
        registry.setTag(target, IMMUTABLE, 'sha256:0000000000000000000000000000000000000000000000000000000000000000');
      }
    };

    const conflict = await conflictOf(applyPlan(registry, plan(mine)));

    expect(conflict.actualDigest).toBe('no manifest');
    expect(conflict.repairs).toEqual([{ tag: '3.5.10', outcome: 'left', reason: 'no image holds the immutable tag' }]);
    expect(registry.tagMap(target)['3.5.10']).toBe(mine);
  });

  it('reports a failed move and still throws the conflict', async () => {
    let puts = 0;
    registry.beforeCall = (call) => {
      if (call.method === 'putManifest' && call.target.endsWith(':3.5.10')) {
        puts += 1;
        if (puts === 2) {
          throw new InjectedFailure(call);
        }
      }
    };
    registry.afterCall = (call) => {
      if (call.method === 'putManifest' && call.target.endsWith(':3.5.10')) {
        registry.setTag(target, IMMUTABLE, theirs);
      }
    };

    const conflict = await conflictOf(applyPlan(registry, plan(mine)));

    expect(conflict.repairs).toEqual([
      { tag: '3.5.10', outcome: 'left', reason: 'moving it failed: injected failure at putManifest reg.test/acme/etcd:3.5.10' },
    ]);
    expect(conflict.state.find((state) => state.tag === '3.5.10')?.digest).toBe(mine);
  });

  it('moves nothing when the immutable tag held another image before the write', async () => {
    registry.setTag(target, IMMUTABLE, theirs);

    const conflict = await conflictOf(applyPlan(registry, plan(mine)));

    expect(conflict.phase).toBe('before-write');
    expect(conflict.repairs).toEqual([]);
    expect(registry.calls.filter((call) => call.method === 'putManifest')).toEqual([]);
  });
});

describe('publish that won the immutable tag', () => {
  it('stops at a rolling tag moved by the publish that lost', async () => {
    // The losing build is in the target repository, so HEAD finds it under the tag.
    registry.addImage(target, { layers: ['base', 'app 3.5.10 build a'] });
    const theirsPlan = plan(theirs, target);
    registry.setTag(target, IMMUTABLE, theirs);
    registry.setTag(target, '3.5.10', mine);

    const error = await applyPlan(registry, { ...theirsPlan, copy: false }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RollingTagChangedError);
    expect(error).toMatchObject({ tag: '3.5.10', expectedDigest: undefined, actualDigest: mine, written: [] });
    expect(registry.tagMap(target)['3']).toBe(older);
    expect(registry.tagMap(target).latest).toBe(older);
  });

  it('finishes once the losing publish moved the tag to it', async () => {
    const theirsPlan = plan(theirs, target);
    registry.setTag(target, IMMUTABLE, theirs);
    registry.setTag(target, '3.5.10', theirs);

    const result = await applyPlan(registry, { ...theirsPlan, copy: false });

    expect(result.alreadySet).toEqual([IMMUTABLE, '3.5.10']);
    expect(result.written).toEqual(['3', 'latest']);
    expect(orphans(registry.tagMap(target))).toEqual([]);
  });
});

/** Creates a gate that one run opens and another waits on. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('two publishes interleaved at the immutable tag', () => {
  it('leaves every rolling tag on the image with the immutable tag', async () => {
    const planA = plan(mine);
    const planB = { ...plan(theirs, target), copy: false };
    const a = new HookedRegistry(registry);
    const b = new HookedRegistry(registry);
    const isPut = (call: HookedCall, tag: string) => call.method === 'putManifest' && call.target.endsWith(`:${tag}`);
    const isHead = (call: HookedCall, tag: string) => call.method === 'headManifest' && call.target.endsWith(`:${tag}`);

    const bAtImmutablePut = gate();
    const aAtRollingPut = gate();
    const bImmutableStored = gate();
    const aRollingStored = gate();
    const bStopped = gate();
    let aRollingPuts = 0;
    let bImmutableWritten = false;

    // A: writes the immutable tag once B found it absent, waits at its first rolling PUT until B
    // overwrote the immutable tag, and delays its repair of that tag until B has stopped.
    a.before = async (call) => {
      if (isPut(call, IMMUTABLE)) await bAtImmutablePut.opened;
      if (isPut(call, '3.5.10')) {
        aRollingPuts += 1;
        if (aRollingPuts === 1) {
          aAtRollingPut.open();
          await bImmutableStored.opened;
        } else {
          await bStopped.opened;
        }
      }
    };
    a.after = (call) => {
      if (isPut(call, '3.5.10') && aRollingPuts === 1) aRollingStored.open();
    };
    // B: checks the immutable tag before A writes it, puts it once A is at its rolling PUT, and checks
    // the rolling tag only after A's write of it landed.
    b.before = async (call) => {
      if (isPut(call, IMMUTABLE)) {
        bAtImmutablePut.open();
        await aAtRollingPut.opened;
      }
      if (isHead(call, '3.5.10') && bImmutableWritten) await aRollingStored.opened;
    };
    b.after = (call) => {
      if (isPut(call, IMMUTABLE)) {
        bImmutableWritten = true;
        bImmutableStored.open();
      }
    };

    const [errorA, errorB] = await Promise.all([
      applyPlan(a, planA).catch((caught: unknown) => caught),
      applyPlan(b, planB)
        .catch((caught: unknown) => caught)
        .finally(() => bStopped.open()),
    ]);
    const tags = registry.tagMap(target);

    expect(errorA).toBeInstanceOf(ReleaseConflictError);
    expect((errorA as ReleaseConflictError).repairs).toEqual([{ tag: '3.5.10', outcome: 'moved', digest: theirs }]);
    expect(errorB).toBeInstanceOf(RollingTagChangedError);
    expect(errorB).toMatchObject({ tag: '3.5.10', actualDigest: mine });
    expect(tags[IMMUTABLE]).toBe(theirs);
    expect(tags['3.5.10']).toBe(theirs);
    expect(tags['3']).toBe(older);
    expect(orphans(tags)).toEqual([]);

    // A second run of the publish that won finishes its release under the same revision.
    const resumed = await applyPlan(registry, { ...plan(theirs, target), copy: false });
    expect(resumed.written).toEqual(['3', 'latest']);
    expect(orphans(registry.tagMap(target))).toEqual([]);
  });
});
