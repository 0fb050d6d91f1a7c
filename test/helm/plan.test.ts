import { describe, expect, it } from 'vitest';
import type { FoundImage, PinMode } from '../../src/helm/model.js';
import { planImage } from '../../src/helm/plan.js';
import type { ResolvedImage } from '../../src/helm/ports.js';
import { formatReference, parseReference, type Reference } from '../../src/registry/reference.js';

const NOW = `sha256:${'1'.repeat(64)}`;
const OLD = `sha256:${'0'.repeat(64)}`;

function image(reference: string, implicitTag = false): FoundImage & { reference: Reference } {
  return {
    file: 'values.yaml',
    document: 0,
    path: 'image',
    line: 1,
    aliases: [],
    shape: 'block',
    written: reference,
    reference: implicitTag ? { ...parseReference(reference), tag: 'latest' } : parseReference(reference),
    implicitTag,
    problem: undefined,
    block: undefined,
    string: undefined,
  };
}

function resolved(immutableTags: string[], digest = NOW): ResolvedImage {
  return { reference: 'unused', digest, immutableTags };
}

describe('planImage', () => {
  const cases: Array<[string, string, ResolvedImage, PinMode, string, string]> = [
    ['rolling tag, tag mode', 'bitnami/etcd:3', resolved(['3.5.9-debian-12-r2']), 'tag', 'changed', 'docker.io/bitnami/etcd:3.5.9-debian-12-r2'],
    ['rolling tag, digest mode', 'bitnami/etcd:3', resolved(['3.5.9-debian-12-r2']), 'digest', 'changed', `docker.io/bitnami/etcd:3@${NOW}`],
    ['rolling tag, both modes', 'bitnami/etcd:3', resolved(['3.5.9-debian-12-r2']), 'both', 'changed', `docker.io/bitnami/etcd:3.5.9-debian-12-r2@${NOW}`],
    ['newest immutable tag wins', 'bitnami/etcd:3', resolved(['3.5.9-debian-12-r3', '3.5.9-debian-12-r2']), 'tag', 'changed', 'docker.io/bitnami/etcd:3.5.9-debian-12-r3'],
    ['immutable tag, tag mode', 'bitnami/etcd:3.5.9-debian-12-r2', resolved(['3.5.9-debian-12-r2']), 'tag', 'pinned', 'docker.io/bitnami/etcd:3.5.9-debian-12-r2'],
    ['older immutable tag stays', 'bitnami/etcd:3.5.9-debian-12-r1', resolved(['3.5.9-debian-12-r1']), 'both', 'changed', `docker.io/bitnami/etcd:3.5.9-debian-12-r1@${NOW}`],
    ['matching digest, digest mode', `bitnami/etcd:3@${NOW}`, resolved([]), 'digest', 'pinned', `docker.io/bitnami/etcd:3@${NOW}`],
    ['stale digest, digest mode', `bitnami/etcd:3@${OLD}`, resolved([]), 'digest', 'changed', `docker.io/bitnami/etcd:3@${NOW}`],
    ['stale digest, tag mode keeps tag and digest in step', `bitnami/etcd:3@${OLD}`, resolved(['3.5.9-debian-12-r2']), 'tag', 'changed', `docker.io/bitnami/etcd:3.5.9-debian-12-r2@${NOW}`],
    ['pinned in both modes', `bitnami/etcd:3.5.9-debian-12-r2@${NOW}`, resolved(['3.5.9-debian-12-r2']), 'both', 'pinned', `docker.io/bitnami/etcd:3.5.9-debian-12-r2@${NOW}`],
    ['digest only is pinned', `bitnami/etcd@${NOW}`, resolved([]), 'tag', 'pinned', `docker.io/bitnami/etcd@${NOW}`],
    ['digest only, platform digest differs', `bitnami/etcd@${OLD}`, resolved([], NOW), 'both', 'changed', `docker.io/bitnami/etcd@${NOW}`],
    ['no immutable twin, tag mode', 'library/nginx:1.25', resolved([]), 'tag', 'unpinned', 'docker.io/library/nginx:1.25'],
    ['no immutable twin, both modes pin the digest', 'library/nginx:1.25', resolved([]), 'both', 'changed', `docker.io/library/nginx:1.25@${NOW}`],
  ];

  it.each(cases)('%s', (_name, reference, resolution, mode, status, pinned) => {
    const plan = planImage(image(reference), resolution, mode);

    expect(plan.status).toBe(status);
    expect(formatReference(plan.reference)).toBe(pinned);
  });

  it('keeps an implicit latest without a tag in digest mode', () => {
    const plan = planImage(image('busybox', true), resolved(['1.36.1-r3']), 'digest');

    expect(plan.tag).toBeUndefined();
    expect(plan.digest).toBe(NOW);
  });

  it('replaces an implicit latest with the immutable tag in tag mode', () => {
    const plan = planImage(image('busybox', true), resolved(['1.36.1-r3']), 'tag');

    expect(plan.tag).toBe('1.36.1-r3');
    expect(plan.status).toBe('changed');
  });

  it('explains a rolling tag without immutable twin', () => {
    const plan = planImage(image('library/nginx:1.25'), resolved([]), 'tag');

    expect(plan.reason).toBe(`no immutable tag points to ${NOW}, the digest of 1.25; pin it with --mode digest or both`);
  });

  it('explains a stale digest', () => {
    const plan = planImage(image(`bitnami/etcd:3@${OLD}`), resolved([]), 'digest');

    expect(plan.reason).toBe(`the digest ${OLD} did not match 3, which points to ${NOW}`);
  });
});
