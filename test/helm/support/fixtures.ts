import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FakeResolver, fakeDigest, type FakeRegistry } from './fake-resolver.js';

/** Folder of the values fixtures and their expected pinned files. */
export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'helm');

/** Tag table of `registry.yaml`: repository → tag → image label. */
export type FixtureTags = Record<string, Record<string, string>>;

/** Reads the tag table every fixture is pinned against. */
export async function readFixtureTags(): Promise<FixtureTags> {
  const text = await readFile(join(FIXTURES, 'registry.yaml'), 'utf8');
  return parse(text) as FixtureTags;
}

/** Builds a fake resolver serving the fixture tag table; a label's digest is {@link fakeDigest} of the label. */
export async function fixtureResolver(): Promise<FakeResolver> {
  const tags = await readFixtureTags();
  const registry: FakeRegistry = {};
  for (const [repository, byTag] of Object.entries(tags)) {
    registry[repository] = Object.fromEntries(Object.entries(byTag).map(([tag, label]) => [tag, fakeDigest(label)]));
  }
  return new FakeResolver(registry);
}

/** Reads a fixture file as text, exactly as stored. */
export async function readFixture(name: string): Promise<string> {
  return readFile(join(FIXTURES, name), 'utf8');
}
