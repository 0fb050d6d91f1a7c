import { describe, expect, it } from 'vitest';
import { ReleaseConflictError } from '../../src/release/errors.js';
import {
  buildPlan,
  isNoOp,
  planToJson,
  writesOf,
  type PlanInput,
  type RollingDecision,
} from '../../src/release/plan.js';

const target = { registry: '127.0.0.1:5000', repository: 'acme/etcd' };
const NEW = `sha256:${'a'.repeat(64)}`;
const OLD = `sha256:${'b'.repeat(64)}`;
const OTHER = `sha256:${'c'.repeat(64)}`;

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    source: 'staging/etcd:build-7',
    sourceReference: { registry: '127.0.0.1:5000', repository: 'staging/etcd', digest: NEW },
    target,
    digest: NEW,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    version: '3.5.10',
    distro: 'debian-12',
    revision: 0,
    immutable: '3.5.10-debian-12-r0',
    revisionChoice: { kind: 'new', reason: 'first revision of 3.5.10 on debian-12' },
    rolling: [],
    current: new Map(),
    copy: true,
    ...overrides,
  };
}

const moves = (tag: string, level: string): RollingDecision => ({ tag, level, moves: true });

describe('buildPlan immutable tag', () => {
  it.each([
    { name: 'absent tag is created', now: undefined, action: 'create', from: undefined, to: NEW },
    { name: 'tag on the same image is unchanged', now: NEW, action: 'unchanged', from: NEW, to: NEW },
  ])('$name', ({ now, action, from, to }) => {
    const plan = buildPlan(input({ current: new Map([['3.5.10-debian-12-r0', now]]) }));
    const immutable = plan.operations[0];

    expect(immutable?.tag).toBe('3.5.10-debian-12-r0');
    expect(immutable?.role).toBe('immutable');
    expect(immutable?.action).toBe(action);
    expect(immutable?.from).toBe(from);
    expect(immutable?.to).toBe(to);
  });

  it('rejects a tag on another image', () => {
    const build = () => buildPlan(input({ current: new Map([['3.5.10-debian-12-r0', OTHER]]) }));

    expect(build).toThrow(ReleaseConflictError);
    try {
      build();
    } catch (error) {
      const conflict = error as ReleaseConflictError;
      expect(conflict.code).toBe('IMMUTABLE_TAG_CONFLICT');
      expect(conflict.actualDigest).toBe(OTHER);
      expect(conflict.expectedDigest).toBe(NEW);
      expect(conflict.written).toEqual([]);
      expect(conflict.message).toContain('127.0.0.1:5000/acme/etcd:3.5.10-debian-12-r0');
      expect(conflict.message).toContain(OTHER);
      expect(conflict.message).toContain('No tag was written');
    }
  });

  it.each([
    { kind: 'new' as const, advice: 'then run publish again to release this image under the next revision.', other: '--revision' },
    {
      kind: 'explicit' as const,
      advice: 'then drop --revision (or pass --revision auto) and run publish again to release this image as the next revision.',
      other: 'under the next revision',
    },
  ])('advises on a conflict for a $kind revision', ({ kind, advice, other }) => {
    const current = new Map([['3.5.10-debian-12-r0', OTHER]]);
    const error = (() => {
      try {
        return buildPlan(input({ current, revisionChoice: { kind, reason: 'revision 0' } }));
      } catch (caught) {
        return caught;
      }
    })() as ReleaseConflictError;

    expect(error.revisionGiven).toBe(kind === 'explicit');
    expect(error.message.endsWith(advice)).toBe(true);
    expect(error.message).not.toContain(other);
  });
});

describe('buildPlan rolling tags', () => {
  it.each([
    { name: 'absent tag is created', now: undefined, action: 'create', from: undefined, to: NEW },
    { name: 'tag on an older image moves', now: OLD, action: 'move', from: OLD, to: NEW },
    { name: 'tag already on the image is unchanged', now: NEW, action: 'unchanged', from: NEW, to: NEW },
  ])('$name', ({ now, action, from, to }) => {
    const plan = buildPlan(input({ rolling: [moves('3', 'major')], current: new Map([['3', now]]) }));
    const rolling = plan.operations[1];

    expect(rolling?.action).toBe(action);
    expect(rolling?.from).toBe(from);
    expect(rolling?.to).toBe(to);
    expect(rolling?.level).toBe('major');
  });

  it('skips a tag the scheme keeps, with its reason', () => {
    const plan = buildPlan(
      input({ rolling: [{ tag: 'latest', level: 'latest', moves: false, reason: '3.6.0 is newer' }] }),
    );

    expect(plan.operations[1]).toMatchObject({ tag: 'latest', action: 'skip', reason: '3.6.0 is newer' });
    expect(plan.operations[1]?.from).toBeUndefined();
    expect(plan.operations[1]?.to).toBeUndefined();
  });

  it('orders writes from the narrowest level to latest', () => {
    const plan = buildPlan(
      input({
        rolling: [
          moves('latest', 'latest'),
          moves('3', 'major'),
          moves('3-debian-12', 'major-distro'),
          moves('3.5.10', 'version'),
          moves('3.5', 'minor'),
          moves('3.5.10-debian-12', 'version-distro'),
          moves('3.5-debian-12', 'minor-distro'),
        ],
      }),
    );

    expect(plan.operations.map((operation) => operation.tag)).toEqual([
      '3.5.10-debian-12-r0',
      '3.5.10-debian-12',
      '3.5.10',
      '3.5-debian-12',
      '3.5',
      '3-debian-12',
      '3',
      'latest',
    ]);
  });
});

describe('plan helpers', () => {
  it('writesOf lists creates and moves only', () => {
    const plan = buildPlan(
      input({
        rolling: [moves('3', 'major'), moves('3.5.10', 'version'), { tag: 'latest', level: 'latest', moves: false, reason: 'x' }],
        current: new Map([
          ['3', OLD],
          ['3.5.10', NEW],
        ]),
      }),
    );

    expect(writesOf(plan).map((operation) => operation.tag)).toEqual(['3.5.10-debian-12-r0', '3']);
  });

  it('isNoOp is true only without copy and writes', () => {
    const done = buildPlan(input({ copy: false, current: new Map([['3.5.10-debian-12-r0', NEW]]) }));
    const needsCopy = buildPlan(input({ copy: true, current: new Map([['3.5.10-debian-12-r0', NEW]]) }));
    const needsWrite = buildPlan(input({ copy: false }));

    expect(isNoOp(done)).toBe(true);
    expect(isNoOp(needsCopy)).toBe(false);
    expect(isNoOp(needsWrite)).toBe(false);
  });

  it('planToJson has the documented shape with null digests', () => {
    const plan = buildPlan(
      input({
        rolling: [moves('3', 'major'), { tag: 'latest', level: 'latest', moves: false, reason: 'kept' }],
        current: new Map([['3', OLD]]),
      }),
    );

    expect(planToJson(plan)).toEqual({
      digest: NEW,
      immutable: '3.5.10-debian-12-r0',
      revision: 0,
      operations: [
        { tag: '3.5.10-debian-12-r0', action: 'create', from: null, to: NEW, reason: 'first revision of 3.5.10 on debian-12' },
        { tag: '3', action: 'move', from: OLD, to: NEW, reason: 'this release is the newest in the scope of 3' },
        { tag: 'latest', action: 'skip', from: null, to: null, reason: 'kept' },
      ],
    });
  });
});
