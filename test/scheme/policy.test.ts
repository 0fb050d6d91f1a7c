import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isTagPolicyError,
  loadTagPolicyFile,
  parseTagPolicy,
  parseTagPolicyText,
  requireDefaultDistro,
  TagPolicy,
  type TagPolicyError,
} from '../../src/scheme/index.js';
import { thrownBy } from './helpers.js';

const DEFAULTS = {
  levels: ['latest', 'major', 'major-distro', 'version'],
  latest: 'auto',
  prereleaseTags: false,
  buildMetadata: 'hyphen',
  versionPrefix: 'keep',
};

describe('parseTagPolicy', () => {
  it.each([undefined, null, {}])('fills in the defaults for %j', (input) => {
    expect(parseTagPolicy(input)).toEqual(DEFAULTS);
  });

  it('keeps the fields it is given', () => {
    const input = {
      levels: ['latest', 'minor', 'minor-distro'],
      defaultDistro: 'debian-12',
      latest: 'auto',
      latestBranch: '3.5',
      prereleaseTags: true,
      buildMetadata: 'underscore',
      versionPrefix: 'drop',
    } as const;
    expect(parseTagPolicy(input)).toEqual(input);
  });

  it('accepts its own output', () => {
    const policy = parseTagPolicy({ defaultDistro: 'ol-7' });
    expect(parseTagPolicy(policy)).toEqual(policy);
  });

  it('names the zod schema TagPolicy like the type', () => {
    expect(TagPolicy.safeParse({ levels: ['major'] }).success).toBe(true);
  });

  const invalid: Array<[string, unknown, string, string]> = [
    [
      'an unknown level',
      { levels: ['latest', 'major', 'patch'] },
      'policy.levels[2]',
      'policy.levels[2]: unknown level "patch"; expected one of latest, major, major-distro, minor, minor-distro, version, version-distro',
    ],
    ['a duplicate level', { levels: ['major', 'major'] }, 'policy.levels[1]', 'policy.levels[1]: duplicate level "major"'],
    ['levels that are not a list', { levels: 'major' }, 'policy.levels', 'policy.levels: expected array, got string "major"'],
    [
      'an invalid default distro',
      { defaultDistro: 'bookworm' },
      'policy.defaultDistro',
      'policy.defaultDistro: invalid value "bookworm": expected lowercase letters, "-" and a version',
    ],
    [
      'an unknown latest mode',
      { latest: 'sometimes' },
      'policy.latest',
      'policy.latest: unknown latest mode "sometimes"; expected one of auto, never, always',
    ],
    [
      'an invalid latest branch',
      { latestBranch: '3.x' },
      'policy.latestBranch',
      'policy.latestBranch: invalid value "3.x": expected dot-separated numbers such as 3 or 3.5',
    ],
    [
      'a latest branch without latest',
      { latest: 'never', latestBranch: '3.5' },
      'policy.latestBranch',
      'policy.latestBranch: a latest branch needs "latest" in policy.levels',
    ],
    [
      'always without the latest level',
      { levels: ['major'], latest: 'always' },
      'policy.latest',
      'policy.latest: "always" needs "latest" in policy.levels',
    ],
    ['a non-boolean prereleaseTags', { prereleaseTags: 'yes' }, 'policy.prereleaseTags', 'expected boolean, got string "yes"'],
    [
      'an unknown build metadata rule',
      { buildMetadata: 'plus' },
      'policy.buildMetadata',
      'unknown build metadata rule "plus"; expected one of hyphen, underscore, drop, reject',
    ],
    ['a misspelt field', { level: ['major'] }, 'policy.level', 'policy.level: unknown field; expected one of levels,'],
    ['a list', ['major'], 'policy', 'policy: expected object, got an array'],
    ['a number', 3, 'policy', 'policy: expected object, got number 3'],
  ];

  it.each(invalid)('rejects %s, naming the field', (_name, input, field, message) => {
    const error = thrownBy(() => parseTagPolicy(input)) as TagPolicyError;
    expect(isTagPolicyError(error)).toBe(true);
    expect(error.code).toBe('TAG_POLICY');
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
  });

  it('lists every problem in one message', () => {
    const error = thrownBy(() => parseTagPolicy({ levels: ['patch'], latest: 'sometimes' }));
    expect(error.message).toContain('policy.levels[0]: unknown level "patch"');
    expect(error.message).toContain('policy.latest: unknown latest mode "sometimes"');
  });

  it('starts the message with the source when given', () => {
    expect(() => parseTagPolicy({ levels: ['patch'] }, 'tags.yaml')).toThrow(/^tags\.yaml: policy\.levels\[0\]/);
  });
});

describe('requireDefaultDistro', () => {
  it('returns the default distro', () => {
    expect(requireDefaultDistro(parseTagPolicy({ defaultDistro: 'photon-5' }))).toBe('photon-5');
  });

  it('names the missing field', () => {
    const error = thrownBy(() => requireDefaultDistro(parseTagPolicy({}))) as TagPolicyError;
    expect(error.field).toBe('policy.defaultDistro');
    expect(error.message).toContain('policy.defaultDistro: missing');
  });
});

describe('tag policy files', () => {
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'tagkeeper-policy-'));
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  async function write(name: string, text: string): Promise<string> {
    const path = join(folder, name);
    await writeFile(path, text);
    return path;
  }

  it('loads YAML', async () => {
    const path = await write(
      'etcd.yaml',
      'levels: [latest, major, minor]\ndefaultDistro: debian-12\nlatestBranch: "3.5"\n',
    );
    expect(await loadTagPolicyFile(path)).toMatchObject({
      levels: ['latest', 'major', 'minor'],
      defaultDistro: 'debian-12',
      latestBranch: '3.5',
    });
  });

  it('loads JSON', async () => {
    const path = await write('policy.json', JSON.stringify({ defaultDistro: 'ol-7', latest: 'never' }));
    expect(await loadTagPolicyFile(path)).toMatchObject({ defaultDistro: 'ol-7', latest: 'never' });
  });

  it.each(['empty.yaml', 'empty.json'])('gives the defaults for %s', async (name) => {
    const path = await write(name, '\n');
    expect(await loadTagPolicyFile(path)).toEqual(DEFAULTS);
  });

  it('rejects an unquoted YAML latest branch', async () => {
    const path = await write('unquoted.yaml', 'latestBranch: 3.5\n');
    await expect(loadTagPolicyFile(path)).rejects.toThrow(
      'policy.latestBranch: expected string, got number 3.5; quote it, as in "3.5", so that YAML reads a string',
    );
  });

  it('names the file and the field of an invalid policy', async () => {
    const path = await write('bad-level.yaml', 'levels:\n  - latest\n  - patch\n');
    await expect(loadTagPolicyFile(path)).rejects.toThrow(`${path}: policy.levels[1]: unknown level "patch"`);
  });

  it('names the file of invalid YAML', async () => {
    const path = await write('broken.yaml', 'levels: [latest\n');
    const error = await loadTagPolicyFile(path).catch((caught: unknown) => caught as TagPolicyError);
    expect(isTagPolicyError(error)).toBe(true);
    expect((error as Error).message).toBe(
      `${path}:2:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    );
  });

  it.each([
    ['duplicate.yaml', 'levels: [latest]\nlevels: [major]\n', ':2:1: invalid YAML: Map keys must be unique'],
    ['tab.yaml', 'levels:\n\t- latest\n', ':2:1: invalid YAML: Tabs are not allowed as indentation'],
    ['alias.yaml', 'levels: *missing\n', ': invalid YAML: Unresolved alias (the anchor must be set before the alias): missing'],
  ])('gives one position for the YAML error of %s', async (name, text, expected) => {
    const path = await write(name, text);
    const error = (await loadTagPolicyFile(path).then(() => undefined, (caught: unknown) => caught)) as Error;
    expect(error.message).toBe(`${path}${expected}`);
    expect(error.message).not.toMatch(/at line|:;/);
  });

  it('names the file of invalid JSON', async () => {
    const path = await write('broken.json', '{"levels": ');
    await expect(loadTagPolicyFile(path)).rejects.toThrow(`${path}: invalid JSON: `);
  });

  it('names a missing file', async () => {
    const path = join(folder, 'missing.yaml');
    await expect(loadTagPolicyFile(path)).rejects.toThrow(`${path}: cannot read the tag policy: file not found`);
  });

  it('parses policy text without a file', () => {
    expect(parseTagPolicyText('{"defaultDistro": "rhel-9"}', 'inline.json').defaultDistro).toBe('rhel-9');
  });
});
