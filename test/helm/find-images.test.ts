import { describe, expect, it } from 'vitest';
import { findValuesImages } from '../../src/helm/index.js';
import { formatReference } from '../../src/registry/reference.js';

/** Summarises found images as `path => reference` or `path => status: reason`. */
function summary(text: string): string[] {
  return findValuesImages(text, 'values.yaml').map((image) =>
    image.problem ? `${image.path} => ${image.problem.status}` : `${image.path} => ${formatReference(image.reference!)}`,
  );
}

describe('findValuesImages shapes', () => {
  const cases: Array<[string, string, string[]]> = [
    [
      'Bitnami block',
      'image:\n  registry: docker.io\n  repository: bitnami/etcd\n  tag: 3.5.9\n  digest: ""\n  pullPolicy: IfNotPresent\n  pullSecrets: []\n',
      ['image => docker.io/bitnami/etcd:3.5.9'],
    ],
    [
      'block without digest key',
      'metrics:\n  image:\n    registry: docker.io\n    repository: bitnami/etcd\n    tag: "3"\n',
      ['metrics.image => docker.io/bitnami/etcd:3'],
    ],
    [
      'block with digest and no tag',
      'image:\n  repository: bitnami/etcd\n  tag: ""\n  digest: sha256:' + 'a'.repeat(64) + '\n',
      [`image => docker.io/bitnami/etcd@sha256:${'a'.repeat(64)}`],
    ],
    [
      'deep nesting',
      'hubble:\n  ui:\n    frontend:\n      image:\n        registry: quay.io\n        repository: cilium/hubble-ui\n        tag: v0.12.3\n',
      ['hubble.ui.frontend.image => quay.io/cilium/hubble-ui:v0.12.3'],
    ],
    [
      'block under a key not named image',
      'operator:\n  postgresqlImage:\n    registry: docker.io\n    repository: bitnami/postgresql\n    tag: "16"\ngit:\n  registry: docker.io\n  repository: bitnami/git\n  tag: "2"\n',
      ['operator.postgresqlImage => docker.io/bitnami/postgresql:16', 'git => docker.io/bitnami/git:2'],
    ],
    [
      'block mixed with unrelated keys',
      'sysctlImage:\n  enabled: false\n  registry: docker.io\n  repository: bitnami/os-shell\n  tag: "11"\n  command: []\n  resources: {}\n',
      ['sysctlImage => docker.io/bitnami/os-shell:11'],
    ],
    [
      'registry inside repository',
      'image:\n  repository: quay.io/org/app\n  tag: "1.0"\n',
      ['image => quay.io/org/app:1.0'],
    ],
    [
      'registry with port',
      'image:\n  registry: 127.0.0.1:5000\n  repository: team/app\n  tag: "1.0"\n',
      ['image => 127.0.0.1:5000/team/app:1.0'],
    ],
    ['plain string', 'image: nginx:1.25-alpine\n', ['image => docker.io/library/nginx:1.25-alpine']],
    [
      'string with digest',
      `image: nginx:1.25@sha256:${'b'.repeat(64)}\n`,
      [`image => docker.io/library/nginx:1.25@sha256:${'b'.repeat(64)}`],
    ],
    ['string without tag means latest', 'image: busybox\n', ['image => docker.io/library/busybox:latest']],
    ['image key ending in Image', 'initImage: "ghcr.io/acme/init:2"\n', ['initImage => ghcr.io/acme/init:2']],
    [
      'image as repository with sibling tag',
      'worker:\n  image: ghcr.io/acme/worker\n  tag: "2.1"\n  replicas: 2\n',
      ['worker.image => ghcr.io/acme/worker:2.1'],
    ],
    [
      'name and version with pullPolicy',
      'image:\n  name: bitnami/nginx\n  version: "1.25"\n  pullPolicy: Always\n',
      ['image => docker.io/bitnami/nginx:1.25'],
    ],
    [
      'name and tag under an image key',
      'sidecarImage:\n  name: bitnami/nginx\n  tag: "1.25"\n',
      ['sidecarImage => docker.io/bitnami/nginx:1.25'],
    ],
    [
      'tag holding a digest',
      `image:\n  repository: bitnami/redis\n  tag: 7.2@sha256:${'c'.repeat(64)}\n`,
      [`image => docker.io/bitnami/redis:7.2@sha256:${'c'.repeat(64)}`],
    ],
    [
      'subchart section',
      'postgresql:\n  enabled: true\n  image:\n    registry: docker.io\n    repository: bitnami/postgresql\n    tag: 16.1.0\n',
      ['postgresql.image => docker.io/bitnami/postgresql:16.1.0'],
    ],
    [
      'list of image strings',
      'extraImages:\n  - bitnami/kubectl:1.29\n  - not-an-image-without-tag\n',
      ['extraImages[0] => docker.io/bitnami/kubectl:1.29'],
    ],
    [
      'containers in a list',
      'initContainers:\n  - name: wait\n    image: busybox:1.36\n    command: [sh]\n',
      ['initContainers[0].image => docker.io/library/busybox:1.36'],
    ],
    [
      'global registry overrides a registry key',
      'global:\n  imageRegistry: mirror.example.com\nimage:\n  registry: docker.io\n  repository: bitnami/etcd\n  tag: "3"\nplain:\n  image:\n    repository: bitnami/etcd\n    tag: "3"\n',
      ['image => mirror.example.com/bitnami/etcd:3', 'plain.image => docker.io/bitnami/etcd:3'],
    ],
    [
      'empty global registry changes nothing',
      'global:\n  imageRegistry: ""\nimage:\n  registry: quay.io\n  repository: org/app\n  tag: "3"\n',
      ['image => quay.io/org/app:3'],
    ],
    [
      'merge key supplies the registry and repository',
      'base: &base\n  registry: docker.io\n  repository: bitnami/etcd\nimage:\n  <<: *base\n  tag: "3"\n',
      ['image => docker.io/bitnami/etcd:3'],
    ],
    [
      'YAML 1.1 keys stay text',
      'y:\n  image:\n    repository: bitnami/etcd\n    tag: "3"\n',
      ['y.image => docker.io/bitnami/etcd:3'],
    ],
    [
      'quoted key with a dot',
      '"app.io/sidecar":\n  image: nginx:1\n',
      ['["app.io/sidecar"].image => docker.io/library/nginx:1'],
    ],
  ];

  it.each(cases)('%s', (_name, text, expected) => {
    expect(summary(text)).toEqual(expected);
  });
});

describe('findValuesImages skips and false positives', () => {
  const cases: Array<[string, string, string[]]> = [
    ['templated tag', 'image:\n  repository: bitnami/etcd\n  tag: "{{ .Chart.AppVersion }}"\n', ['image => skipped']],
    ['templated string', 'image: "{{ .Values.registry }}/app:1"\n', ['image => skipped']],
    ['templated global registry', 'global:\n  imageRegistry: "{{ .Values.mirror }}"\nimage:\n  registry: docker.io\n  repository: bitnami/etcd\n  tag: "3"\n', ['image => skipped']],
    ['empty tag means appVersion', 'image:\n  repository: bitnami/etcd\n  tag: ""\n', ['image => skipped']],
    ['null tag means appVersion', 'image:\n  repository: bitnami/etcd\n  tag:\n', ['image => skipped']],
    ['tag override without repository', 'redis:\n  image:\n    tag: 7.2.4\n', ['redis.image => skipped']],
    ['float tag', 'image:\n  repository: bitnami/etcd\n  tag: 3.10\n', ['image => unpinned']],
    ['large integer tag', 'image:\n  repository: bitnami/app\n  tag: 20230105\n', ['image => unpinned']],
    ['small integer tag reads as written', 'image:\n  repository: bitnami/etcd\n  tag: 3\n', ['image => docker.io/bitnami/etcd:3']],
    ['invalid repository', 'image:\n  repository: Bitnami/Etcd\n  tag: "3"\n', ['image => unpinned']],
    ['invalid tag', 'image:\n  repository: bitnami/etcd\n  tag: "-3"\n', ['image => unpinned']],
    ['invalid digest', 'image:\n  repository: bitnami/etcd\n  tag: "3"\n  digest: sha256:abc\n', ['image => unpinned']],
    ['chart dependency is not an image', 'dependency:\n  name: postgresql\n  version: 12.1.0\n  repository: https://charts.bitnami.com/bitnami\n', []],
    ['plugin list is not an image', 'plugins:\n  - name: timescaledb\n    version: 2.13.0\n', []],
    ['name and tag without evidence', 'release:\n  name: nightly\n  tag: v1\n', []],
    ['repository and version without evidence', 'chart:\n  repository: bitnami/etcd\n  version: 9.0.0\n', []],
    ['image map without tag keys', 'image:\n  repository: bitnami/etcd\n  pullPolicy: Always\n', []],
    ['boolean under an image key', 'useImage: true\n', []],
    ['empty image string', 'image: ""\n', []],
    ['image list item without tag', 'images:\n  - bitnami/etcd\n', []],
    ['commented-out example is no image', '# image:\n#   repository: bitnami/etcd\n#   tag: "3"\nreplicas: 1\n', []],
  ];

  it.each(cases)('%s', (_name, text, expected) => {
    expect(summary(text)).toEqual(expected);
  });

  it('explains a float tag with the value Helm prints', () => {
    const [image] = findValuesImages('image:\n  repository: bitnami/etcd\n  tag: 3.10\n', 'values.yaml');
    expect(image?.problem?.reason).toBe('the tag 3.10 is a YAML number that Helm prints as 3.1; quote it ("3.10") so it stays a string');
  });

  it('explains a large integer tag with the exponent form', () => {
    const [image] = findValuesImages('image:\n  repository: bitnami/app\n  tag: 1234567\n', 'values.yaml');
    expect(image?.problem?.reason).toContain('Helm prints as 1.234567e+06');
  });
});

describe('findValuesImages positions', () => {
  it('gives the document index and line of each image', () => {
    const text = 'a: 1\n---\nimage: nginx:1\n---\n# c\nsvc:\n  image:\n    repository: bitnami/etcd\n    tag: "3"\n';
    const images = findValuesImages(text, 'values.yaml');

    expect(images.map((image) => [image.document, image.path, image.line])).toEqual([
      [1, 'image', 3],
      [2, 'svc.image', 7],
    ]);
  });

  it('reports an aliased block once, listing the alias', () => {
    const text = 'shell: &shell\n  repository: bitnami/os-shell\n  tag: "11"\njob:\n  image: *shell\nother:\n  image: *shell\n';
    const images = findValuesImages(text, 'values.yaml');

    expect(images).toHaveLength(1);
    expect(images[0]?.aliases).toEqual(['job.image', 'other.image']);
  });
});
