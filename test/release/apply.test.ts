import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan, type PublishEvent } from '../../src/release/apply.js';
import {
  ReleaseConflictError,
  RollingTagChangedError,
  TagReadBackError,
  VerifyFailedError,
} from '../../src/release/errors.js';
import { buildPlan, type PlanInput, type ReleasePlan } from '../../src/release/plan.js';
import { FakeReleaseRegistry } from './fake-registry.js';

const staging = { registry: 'reg.test', repository: 'staging/etcd' };
const target = { registry: 'reg.test', repository: 'acme/etcd' };
const IMMUTABLE = '3.5.10-debian-12-r0';

let registry: FakeReleaseRegistry;
let digest: string;
let older: string;

beforeEach(() => {
  registry = new FakeReleaseRegistry();
  digest = registry.addImage(staging, { layers: ['base', 'app 3.5.10'] });
  older = registry.addImage(target, { layers: ['base', 'app 3.5.9'] });
  registry.setTag(target, '3', older);
  registry.setTag(target, '3.5.9-debian-12-r0', older);
});

function plan(overrides: Partial<PlanInput> = {}): ReleasePlan {
  return buildPlan({
    source: 'reg.test/staging/etcd:build-7',
    sourceReference: { ...staging, digest },
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
      { tag: '3-photon-5', level: 'major-distro', moves: false, reason: 'other distro' },
    ],
    current: new Map([['3', older]]),
    copy: true,
    ...overrides,
  });
}

describe('applyPlan', () => {
  it('copies, then writes the immutable tag first and latest last', async () => {
    const events: PublishEvent[] = [];
    const result = await applyPlan(registry, plan(), { onEvent: (event) => events.push(event) });

    expect(result.written).toEqual([IMMUTABLE, '3.5.10', '3', 'latest']);
    expect(result.alreadySet).toEqual([]);
    expect(result.copy?.digest).toBe(digest);
    expect(registry.writes().map((call) => call.target)).toEqual([
      `reg.test/staging/etcd@${digest} -> reg.test/acme/etcd`,
      `reg.test/acme/etcd:${IMMUTABLE}`,
      'reg.test/acme/etcd:3.5.10',
      'reg.test/acme/etcd:3',
      'reg.test/acme/etcd:latest',
    ]);
    expect(registry.tagMap(target)).toEqual({
      '3': digest,
      '3.5.10': digest,
      '3.5.9-debian-12-r0': older,
      [IMMUTABLE]: digest,
      latest: digest,
    });
    expect(events.map((event) => event.type)).toEqual([
      'copy-started',
      'copy-finished',
      'tag-written',
      'tag-written',
      'tag-written',
      'tag-written',
      'read-back-passed',
    ]);
  });

  it('skips the copy when the plan says the image is there', async () => {
    registry.setTag(target, 'staged', registry.addImage(target, { layers: ['base', 'app 3.5.10'] }));
    await applyPlan(registry, plan({ copy: false }));

    expect(registry.calls.filter((call) => call.method === 'copyImage')).toEqual([]);
    expect(registry.tagMap(target)[IMMUTABLE]).toBe(digest);
  });

  it('counts tags already set as done on a resumed run', async () => {
    await applyPlan(registry, plan());
    registry.calls.length = 0;

    const again = await applyPlan(registry, plan());

    expect(again.written).toEqual([]);
    expect(again.alreadySet).toEqual([IMMUTABLE, '3.5.10', '3', 'latest']);
    expect(registry.writes().filter((call) => call.method === 'putManifest')).toEqual([]);
  });

  it('stops before any write when the immutable tag appeared on another image', async () => {
    const built = plan();
    registry.setTag(target, IMMUTABLE, older);

    const failure = applyPlan(registry, built);

    await expect(failure).rejects.toBeInstanceOf(ReleaseConflictError);
    await expect(failure).rejects.toMatchObject({ phase: 'before-write', actualDigest: older, written: [] });
    expect(registry.calls.filter((call) => call.method === 'putManifest')).toEqual([]);
    expect(registry.tagMap(target)['3']).toBe(older);
  });

  it('stops when the immutable tag reads back as another image', async () => {
    registry.afterCall = (call) => {
      if (call.method === 'putManifest' && call.target.endsWith(`:${IMMUTABLE}`)) {
        // A racing publish overwrites the tag right after this run wrote it.
        registry.setTag(target, IMMUTABLE, older);
      }
    };

    const error = await applyPlan(registry, plan()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ReleaseConflictError);
    const conflict = error as ReleaseConflictError;
    expect(conflict.phase).toBe('after-write');
    expect(conflict.written).toEqual([IMMUTABLE]);
    expect(conflict.state).toEqual([
      { tag: IMMUTABLE, digest: older },
      { tag: '3.5.10', digest: undefined },
      { tag: '3', digest: older },
      { tag: 'latest', digest: undefined },
    ]);
    expect(conflict.message).toContain(`${IMMUTABLE} -> ${older}`);
    expect(registry.tagMap(target)['3']).toBe(older);
  });

  it('stops moving rolling tags once the immutable tag was overwritten', async () => {
    registry.afterCall = (call) => {
      if (call.method === 'putManifest' && call.target.endsWith(':3.5.10')) {
        registry.setTag(target, IMMUTABLE, older);
      }
    };

    const error = await applyPlan(registry, plan()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ReleaseConflictError);
    expect(error).toMatchObject({ phase: 'after-write', written: [IMMUTABLE, '3.5.10'], actualDigest: older });
    expect(registry.tagMap(target)['3']).toBe(older);
    expect(registry.tagMap(target).latest).toBeUndefined();
  });

  it('stops when a rolling tag changed since planning', async () => {
    const built = plan();
    const newer = registry.addImage(target, { layers: ['base', 'app 3.6.0'] });
    registry.setTag(target, '3', newer);

    const error = await applyPlan(registry, built).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RollingTagChangedError);
    expect(error).toMatchObject({ tag: '3', expectedDigest: older, actualDigest: newer, written: [IMMUTABLE, '3.5.10'] });
    expect(registry.tagMap(target)['3']).toBe(newer);
    expect(registry.tagMap(target).latest).toBeUndefined();
  });

  it('reports a rolling tag that does not read back', async () => {
    registry.afterCall = (call) => {
      if (call.method === 'putManifest' && call.target.endsWith(':latest')) {
        registry.setTag(target, '3.5.10', older);
      }
    };

    const error = await applyPlan(registry, plan()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TagReadBackError);
    expect(error).toMatchObject({ tag: '3.5.10', expectedDigest: digest, actualDigest: older, code: 'TAG_READBACK_MISMATCH' });
  });
});

describe('applyPlan release gate', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tagkeeper-gate-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes the release to the command in its environment', async () => {
    const out = join(dir, 'env.txt');
    const command =
      `printf '%s\\n%s\\n%s\\n%s\\n' "$TAGKEEPER_DIGEST" "$TAGKEEPER_REFERENCE" "$TAGKEEPER_IMMUTABLE_TAG" "$TAGKEEPER_PLAN" > ${out}`;

    await applyPlan(registry, plan(), { verify: { command } });

    const [envDigest, reference, immutable, planJson] = (await readFile(out, 'utf8')).split('\n');
    expect(envDigest).toBe(digest);
    expect(reference).toBe(`reg.test/acme/etcd@${digest}`);
    expect(immutable).toBe(IMMUTABLE);
    expect(JSON.parse(planJson ?? '')).toMatchObject({ digest, immutable: IMMUTABLE, revision: 0 });
  });

  it('runs after the copy and before any tag write', async () => {
    const order: string[] = [];
    registry.afterCall = (call) => order.push(call.method);

    await applyPlan(registry, plan(), {
      verify: () => {
        order.push('gate');
      },
    });

    expect(order.indexOf('gate')).toBeGreaterThan(order.indexOf('copyImage'));
    expect(order.indexOf('gate')).toBeLessThan(order.indexOf('putManifest'));
  });

  it.each([
    { name: 'non-zero exit', command: 'echo checking; echo broken >&2; exit 3', exitCode: 3, failure: undefined, output: 'broken' },
    { name: 'signal', command: 'kill -TERM $$', exitCode: undefined, failure: 'was ended by SIGTERM', output: '' },
    { name: 'time-out', command: 'sleep 5', exitCode: undefined, failure: 'timed out after 200 ms', output: '', timeoutMs: 200 },
  ])('blocks the release on $name', async ({ command, exitCode, failure, output, timeoutMs }) => {
    const error = await applyPlan(registry, plan(), { verify: { command, timeoutMs } }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(VerifyFailedError);
    const gate = error as VerifyFailedError;
    expect(gate.code).toBe('VERIFY_FAILED');
    expect(gate.exitCode).toBe(exitCode);
    expect(gate.failure).toBe(failure);
    expect(gate.outputTail).toContain(output);
    expect(gate.message).toContain(command);
    expect(gate.message).toContain('No tag was written');
    expect(registry.calls.filter((call) => call.method === 'putManifest')).toEqual([]);
    expect(registry.tagMap(target)['3']).toBe(older);
  });

  it('forwards the command output as it arrives', async () => {
    const chunks: string[] = [];
    await applyPlan(registry, plan(), { verify: { command: 'echo scanning $TAGKEEPER_IMMUTABLE_TAG', onOutput: (chunk) => chunks.push(chunk) } });

    expect(chunks.join('')).toBe(`scanning ${IMMUTABLE}\n`);
  });
});
