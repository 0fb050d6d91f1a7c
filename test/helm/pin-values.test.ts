import { chmod, lstat, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ImageResolveError,
  InvalidValuesFileError,
  isImageResolveError,
  isInvalidValuesFileError,
  pinValues,
  pinValuesText,
  type ImageResolver,
  type ResolvedImage,
} from '../../src/helm/index.js';
import { parseValuesSource } from '../../src/helm/values-source.js';
import { verifyPinnedText } from '../../src/helm/verify.js';
import { PinVerificationError } from '../../src/helm/errors.js';
import { AuthenticationError, RegistryError } from '../../src/registry/errors.js';
import { FakeResolver, fakeDigest } from './support/fake-resolver.js';

const ETCD = fakeDigest('etcd-3.5.9-r2');
const SHELL = fakeDigest('os-shell-11-r91');

function resolver(): FakeResolver {
  return new FakeResolver({
    'docker.io/bitnami/etcd': { '3': ETCD, '3.5.9': ETCD, '3.5.9-debian-12-r2': ETCD },
    'docker.io/bitnami/os-shell': { '11': SHELL, '11-debian-12-r91': SHELL },
  });
}

const VALUES = 'image:\n  registry: docker.io\n  repository: bitnami/etcd\n  tag: "3"\n  digest: ""\n';
const PINNED = 'image:\n  registry: docker.io\n  repository: bitnami/etcd\n  tag: "3.5.9-debian-12-r2"\n  digest: ""\n';

let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'tagkeeper-pin-'));
});

afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function values(name: string, text: string): Promise<string> {
  const file = join(folder, name);
  await writeFile(file, text);
  return file;
}

describe('pinValues writes', () => {
  it('replaces the file and keeps its mode', async () => {
    const file = await values('values.yaml', VALUES);
    await chmod(file, 0o640);

    const result = await pinValues([file], { resolver: resolver() });

    expect(await readFile(file, 'utf8')).toBe(PINNED);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(result.files[0]).toMatchObject({ changed: true, written: true });
    expect(await readdir(folder)).toEqual(['values.yaml']);
  });

  it('follows a symbolic link and keeps it', async () => {
    const target = await values('real.yaml', VALUES);
    const link = join(folder, 'values.yaml');
    await symlink('real.yaml', link);

    await pinValues([link], { resolver: resolver() });

    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('real.yaml');
    expect(await readFile(target, 'utf8')).toBe(PINNED);
  });

  it('leaves a pinned file untouched', async () => {
    const file = await values('values.yaml', PINNED);
    const before = await stat(file);

    const result = await pinValues([file], { resolver: resolver() });

    const after = await stat(file);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(result.files[0]).toMatchObject({ changed: false, written: false, diff: '' });
    expect(result.pinned).toBe(true);
  });

  it('changes nothing when write is false and returns the diff', async () => {
    const file = await values('values.yaml', VALUES);

    const result = await pinValues([file], { resolver: resolver(), write: false });

    expect(await readFile(file, 'utf8')).toBe(VALUES);
    expect(result.pinned).toBe(false);
    expect(result.files[0]?.written).toBe(false);
    expect(result.files[0]?.diff).toContain(`-  tag: "3"\n+  tag: "3.5.9-debian-12-r2"\n`);
  });

  it('adds a digest at an end without newline', async () => {
    const file = await values('values.yaml', 'image:\n  repository: bitnami/etcd\n  tag: "3"');

    await pinValues([file], { resolver: resolver(), mode: 'both' });

    expect(await readFile(file, 'utf8')).toBe(`image:\n  repository: bitnami/etcd\n  tag: "3.5.9-debian-12-r2"\n  digest: ${ETCD}`);
  });
});

describe('pinValues resolves each image once', () => {
  it('resolves a reference named in several places and files once', async () => {
    const first = await values('a.yaml', `${VALUES}sidecar:\n  image: bitnami/etcd:3\nshell:\n  image: docker.io/bitnami/os-shell:11\n`);
    const second = await values('b.yaml', `other:\n  image: docker.io/bitnami/etcd:3\njob:\n  image: bitnami/os-shell:11\n`);
    const fake = resolver();

    const result = await pinValues([first, second], { resolver: fake });

    expect(fake.calls.map((call) => call.reference).sort()).toEqual(['docker.io/bitnami/etcd:3', 'docker.io/bitnami/os-shell:11']);
    expect(result.images.filter((image) => image.status === 'changed')).toHaveLength(5);
  });

  it('keeps at most the given number of requests in flight', async () => {
    const tags = Object.fromEntries(Array.from({ length: 12 }, (_, index) => [`${index}`, fakeDigest(`app-${index}`)]));
    const lines = Object.keys(tags).map((tag) => `i${tag}:\n  image: bitnami/app:${tag}\n`);
    let inFlight = 0;
    let highest = 0;
    const slow: ImageResolver = {
      async resolve(reference) {
        inFlight += 1;
        highest = Math.max(highest, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        const tag = reference.split(':').at(-1) as string;
        return { reference, digest: tags[tag] as string, immutableTags: [] };
      },
    };

    await pinValuesText(lines.join(''), 'values.yaml', { resolver: slow, mode: 'digest', concurrency: 3 });

    expect(highest).toBe(3);
  });

  it('passes the platform and pins the platform digest', async () => {
    const arm = fakeDigest('etcd-arm64');
    const fake = new FakeResolver({ 'docker.io/bitnami/etcd': { '3': ETCD, '3.5.9-debian-12-r2': ETCD } }, { [`${ETCD}|linux/arm64`]: arm });
    const platform = { os: 'linux', architecture: 'arm64' };

    const result = await pinValuesText('image: bitnami/etcd:3\n', 'values.yaml', { resolver: fake, mode: 'both', platform });

    expect(fake.calls[0]?.options).toEqual({ platform });
    expect(result.text).toBe(`image: bitnami/etcd:3.5.9-debian-12-r2@${arm}\n`);
  });
});

describe('pinValues errors leave files as they were', () => {
  it.each([
    ['an unclosed flow sequence', 'image:\n  tag: [3\nother: 1\n', ':3:1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['a duplicate key', 'image:\n  tag: "1"\n  tag: "2"\n', ':3:3: Map keys must be unique'],
    ['an unclosed quote', 'image:\n  tag: "16\n', ':3:1: Missing closing "quote'],
  ])('gives one position for %s', async (_case, text, expected) => {
    const file = await values('values.yaml', text);

    const error = await pinValues([file], { resolver: resolver() }).catch((caught: unknown) => caught);

    expect((error as Error).message).toBe(`invalid values file ${file}${expected}; the file was not changed`);
    expect((error as Error).message).not.toMatch(/at line|:;/);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('rejects a folder named as a values file', async () => {
    const error = await pinValues([folder], { resolver: resolver() }).catch((caught: unknown) => caught);

    expect((error as Error).message).toBe(`invalid values file ${folder}: it is a folder, not a file; the file was not changed`);
  });

  it('rejects unparseable YAML naming the file and line', async () => {
    const good = await values('good.yaml', VALUES);
    const badText = 'image:\n  repository: bitnami/etcd\n  tag: [3\nother: 1\n';
    const bad = await values('bad.yaml', badText);

    const error = await pinValues([good, bad], { resolver: resolver() }).catch((caught: unknown) => caught);

    expect(isInvalidValuesFileError(error)).toBe(true);
    expect((error as InvalidValuesFileError).file).toBe(bad);
    expect((error as InvalidValuesFileError).line).toBeGreaterThanOrEqual(3);
    expect((error as Error).message).toMatch(new RegExp(`^invalid values file ${bad}:\\d+:\\d+: .+; the file was not changed$`));
    expect(await readFile(good, 'utf8')).toBe(VALUES);
    expect(await readFile(bad, 'utf8')).toBe(badText);
  });

  it('rejects duplicate keys with their line', async () => {
    const file = await values('values.yaml', 'image:\n  tag: "1"\n  tag: "2"\n');

    const error = await pinValues([file], { resolver: resolver() }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvalidValuesFileError);
    expect((error as InvalidValuesFileError).line).toBe(3);
  });

  it('rejects a missing file', async () => {
    const error = await pinValues([join(folder, 'missing.yaml')], { resolver: resolver() }).catch((caught: unknown) => caught);

    expect((error as Error).message).toBe(`invalid values file ${join(folder, 'missing.yaml')}: the file does not exist; the file was not changed`);
  });

  it('rejects a file that is not UTF-8', async () => {
    const file = join(folder, 'values.yaml');
    const bytes = Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]);
    await writeFile(file, bytes);

    const error = await pinValues([file], { resolver: resolver() }).catch((caught: unknown) => caught);

    expect((error as Error).message).toContain('not valid UTF-8');
    expect(await readFile(file)).toEqual(bytes);
  });

  it('names an image that does not exist with its path and line', async () => {
    const first = await values('a.yaml', VALUES);
    const secondText = 'metrics:\n  image:\n    registry: docker.io\n    repository: bitnami/missing\n    tag: "1"\n';
    const second = await values('b.yaml', secondText);

    const error = await pinValues([first, second], { resolver: resolver() }).catch((caught: unknown) => caught);

    expect(isImageResolveError(error)).toBe(true);
    const failures = (error as ImageResolveError).failures;
    expect(failures.map((failure) => [failure.reference, failure.places])).toEqual([
      ['docker.io/bitnami/missing:1', [{ file: second, path: 'metrics.image', line: 2 }]],
    ]);
    expect((error as Error).message).toBe(
      `cannot resolve docker.io/bitnami/missing:1 (at ${second}:2 metrics.image): ` +
        'docker.io/bitnami/missing:1 not found: repository docker.io/bitnami/missing does not exist; no file was changed',
    );
    expect(await readFile(first, 'utf8')).toBe(VALUES);
    expect(await readFile(second, 'utf8')).toBe(secondText);
  });

  it('names a registry that rejects the request and lists every failure', async () => {
    const text = 'a:\n  image: ghcr.io/private/app:1\nb:\n  image: ghcr.io/private/app:1\nc:\n  image: ghcr.io/private/tool:2\n';
    const file = await values('values.yaml', text);
    const refusing: ImageResolver = {
      async resolve(reference): Promise<ResolvedImage> {
        throw new AuthenticationError({ method: 'HEAD', url: `https://ghcr.io/v2/${reference}`, status: 401, reference });
      },
    };

    const error = await pinValues([file], { resolver: refusing }).catch((caught: unknown) => caught);

    const failures = (error as ImageResolveError).failures;
    expect(failures.map((failure) => failure.reference)).toEqual(['ghcr.io/private/app:1', 'ghcr.io/private/tool:2']);
    expect(failures[0]?.places.map((place) => place.path)).toEqual(['a.image', 'b.image']);
    expect((error as Error).message).toContain(`ghcr.io/private/app:1 (at ${file}:2 a.image, ${file}:4 b.image): HEAD`);
    expect((failures[0]?.cause as Error).name).toBe('AuthenticationError');
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});

describe('pinValues with an unreachable registry', () => {
  const refused = (reference: string): RegistryError =>
    new RegistryError({
      method: 'GET',
      url: `https://${reference.slice(0, reference.indexOf('/'))}/v2/`,
      code: 'NETWORK',
      retryable: true,
      failure: 'connection refused',
      message: 'cannot connect (connection refused)',
      reference,
    });

  it('counts the images of one registry in one clause', async () => {
    const text = [
      'image:\n  image: 127.0.0.1:51513/seed/app:3.5',
      'metrics:\n  image: 127.0.0.1:51513/rel/web:latest',
      'sidecar:\n  image: 127.0.0.1:51513/seed/app:3.5',
      'init:\n  image: 127.0.0.1:51513/seed/tool:1',
      '',
    ].join('\n');
    const file = await values('values.yaml', text);
    const unreachable: ImageResolver = { resolve: async (reference) => Promise.reject(refused(reference)) };

    const error = await pinValues([file], { resolver: unreachable, concurrency: 1 }).catch((caught: unknown) => caught);

    expect((error as ImageResolveError).failures).toHaveLength(3);
    expect((error as Error).message).toBe(`cannot reach 127.0.0.1:51513 (connection refused) for 4 images (first: ${file}:2 image.image); no file was changed`);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('names the only image of an unreachable registry, then the other failures', async () => {
    const text = 'a:\n  image: 127.0.0.1:51513/seed/app:1\nb:\n  image: docker.io/bitnami/missing:1\nc:\n  image: 127.0.0.1:51514/seed/app:1\n';
    const file = await values('values.yaml', text);
    const mixed: ImageResolver = {
      async resolve(reference, options): Promise<ResolvedImage> {
        return reference.startsWith('127.0.0.1') ? Promise.reject(refused(reference)) : resolver().resolve(reference, options);
      },
    };

    const error = await pinValues([file], { resolver: mixed, concurrency: 1 }).catch((caught: unknown) => caught);

    expect((error as Error).message).toBe(
      [
        `cannot reach 127.0.0.1:51513 (connection refused) for 127.0.0.1:51513/seed/app:1 (at ${file}:2 a.image)`,
        `cannot resolve docker.io/bitnami/missing:1 (at ${file}:4 b.image): docker.io/bitnami/missing:1 not found: repository docker.io/bitnami/missing does not exist`,
        `cannot reach 127.0.0.1:51514 (connection refused) for 127.0.0.1:51514/seed/app:1 (at ${file}:6 c.image)`,
        'no file was changed',
      ].join('; '),
    );
  });

  it('keeps failures with a response apart even on one registry', async () => {
    const text = 'a:\n  image: 127.0.0.1:5000/one:1\nb:\n  image: 127.0.0.1:5000/two:1\n';
    const file = await values('values.yaml', text);
    const failing: ImageResolver = {
      resolve: async (reference) => Promise.reject(new RegistryError({ method: 'GET', url: 'https://127.0.0.1:5000/v2/', status: 500, reference })),
    };

    const error = await pinValues([file], { resolver: failing, concurrency: 1 }).catch((caught: unknown) => caught);

    expect((error as Error).message).toMatch(/^cannot resolve 127\.0\.0\.1:5000\/one:1 .*; cannot resolve 127\.0\.0\.1:5000\/two:1 .*; no file was changed$/);
  });
});

describe('pinValuesText guards', () => {
  it('reports an invalid resolved digest', async () => {
    const broken: ImageResolver = { resolve: async (reference) => ({ reference, digest: 'sha256:', immutableTags: [] }) };

    const result = await pinValuesText(VALUES, 'values.yaml', { resolver: broken, mode: 'digest' });

    expect(result.text).toBe(VALUES);
    expect(result.images[0]).toMatchObject({ status: 'unpinned', reason: 'the resolver returned the invalid digest "sha256:"' });
  });

  it('reports an invalid resolved tag', async () => {
    const broken: ImageResolver = { resolve: async (reference) => ({ reference, digest: ETCD, immutableTags: [`sha256:${'a'.repeat(64)}`] }) };

    const result = await pinValuesText(VALUES, 'values.yaml', { resolver: broken, mode: 'tag' });

    expect(result.text).toBe(VALUES);
    expect(result.images[0]?.status).toBe('unpinned');
  });

  it('never writes an empty digest next to a tag', async () => {
    const result = await pinValuesText('image: bitnami/etcd:3\n', 'values.yaml', { resolver: resolver(), mode: 'tag' });

    expect(result.text).toBe('image: bitnami/etcd:3.5.9-debian-12-r2\n');
    expect(result.text).not.toContain(':@');
  });

  it('keeps an explicit string tag and anchor when replacing a value', async () => {
    const text = 'image:\n  repository: bitnami/etcd\n  tag: &t !!str 3\n';

    const result = await pinValuesText(text, 'values.yaml', { resolver: resolver() });

    expect(result.text).toBe('image:\n  repository: bitnami/etcd\n  tag: &t !!str 3.5.9-debian-12-r2\n');
  });

  it('fills an empty digest key after the colon', async () => {
    const cases: Array<[string, string]> = [
      ['  digest:\n', `  digest: ${ETCD}\n`],
      ['  digest: ~\n', `  digest: ${ETCD}\n`],
      ["  digest: ''\n", `  digest: '${ETCD}'\n`],
      ['  digest:   # filled by pin\n', `  digest: ${ETCD}   # filled by pin\n`],
    ];
    for (const [before, after] of cases) {
      const head = 'image:\n  repository: bitnami/etcd\n  tag: 3.5.9-debian-12-r2\n';
      const result = await pinValuesText(head + before, 'values.yaml', { resolver: resolver(), mode: 'digest' });
      expect(result.text).toBe(head + after);
    }
  });
});

describe('pinValuesText shared values', () => {
  it('keeps a shared value an already pinned image needs', async () => {
    const text = 't: &t "3.5.9-debian-12-r2"\na:\n  image:\n    repository: bitnami/etcd\n    tag: *t\nb:\n  image:\n    repository: bitnami/other\n    tag: *t\n';
    const mixed: ImageResolver = {
      async resolve(reference) {
        const other = reference.includes('bitnami/other');
        return { reference, digest: other ? SHELL : ETCD, immutableTags: other ? ['3.5.9-debian-12-r9'] : ['3.5.9-debian-12-r2'] };
      },
    };

    const result = await pinValuesText(text, 'values.yaml', { resolver: mixed, mode: 'tag' });

    expect(result.text).toBe(text);
    expect(result.images.map((image) => [image.path, image.status])).toEqual([
      ['a.image', 'pinned'],
      ['b.image', 'unpinned'],
    ]);
    expect(result.images[1]?.reason).toBe(
      'the value at line 1 is shared (through an anchor or merge) with a.image, which must keep it (pinned); give each image its own value to pin it',
    );
  });
});

describe('verifyPinnedText', () => {
  it('stops a text whose image reads back wrong', () => {
    const source = parseValuesSource(VALUES, 'values.yaml');
    const report = {
      file: 'values.yaml',
      document: 0,
      path: 'image',
      line: 1,
      aliases: [],
      shape: 'block' as const,
      status: 'changed' as const,
      old: 'docker.io/bitnami/etcd:3',
      new: 'docker.io/bitnami/etcd:3.5.9-debian-12-r2',
      changes: [],
    };

    expect(() => verifyPinnedText({ source, text: VALUES.replace('"3"', '"3.5.9-debian-12-r1"'), images: [report] })).toThrow(PinVerificationError);
    expect(() => verifyPinnedText({ source, text: VALUES.replace('"3"', '"3.5.9-debian-12-r2"'), images: [report] })).not.toThrow();
  });

  it('stops a text that is not valid YAML', () => {
    const source = parseValuesSource(VALUES, 'values.yaml');

    expect(() => verifyPinnedText({ source, text: `${VALUES}  bad: [`, images: [] })).toThrow(/not valid YAML/);
  });
});
