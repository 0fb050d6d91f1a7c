import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findDeletedTags, ledgerKey, parseLedger, readLedger, recordedTags, recordImmutableTags, writeLedger, type Ledger } from '../../src/audit/ledger.js';
import { FakeAuditRegistry } from './fake-registry.js';
import { cleanRepository, findingLines, NOW, REGISTRY, REPOSITORY, runAudit } from './scenario.js';

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tagkeeper-ledger-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readJson(path: string): Promise<Ledger> {
  return JSON.parse(await readFile(path, 'utf8')) as Ledger;
}

describe('ledger file', () => {
  it('reads a missing file as empty', async () => {
    expect(await readLedger(join(dir, 'absent.json'))).toEqual({ version: 1, entries: {} });
  });

  it.each([
    ['not JSON', '{ "version": 1,', 'is not valid JSON'],
    ['wrong version', '{ "version": 2, "entries": {} }', 'ledger.version'],
    ['entries missing', '{ "version": 1 }', 'ledger.entries'],
    ['bad digest', `{ "version": 1, "entries": { "r/a:t": { "digest": "md5:00", "firstSeen": "2024-01-01T00:00:00Z" } } }`, 'ledger.entries.r/a:t.digest'],
    ['bad time', `{ "version": 1, "entries": { "r/a:t": { "digest": "${DIGEST_A}", "firstSeen": "yesterday" } } }`, 'firstSeen'],
  ])('rejects %s', (_name, text, field) => {
    expect(() => parseLedger('ledger.json', text)).toThrowError(expect.objectContaining({ code: 'INVALID_LEDGER', message: expect.stringContaining(field) }));
  });

  it('reports broken JSON on one line', () => {
    expect(() => parseLedger('ledger.json', '{\n  "version": 1,\n  "entries": {\n    "r/a:t": x\n  }\n}')).toThrowError(
      expect.objectContaining({ message: expect.not.stringMatching(/\n/) }),
    );
  });

  it('records new tags and keeps recorded ones', () => {
    const ledger: Ledger = { version: 1, entries: { [ledgerKey('r/app', '1.0.0-debian-12-r0')]: { digest: DIGEST_A, firstSeen: '2024-01-01T00:00:00.000Z' } } };
    const mismatches = recordImmutableTags(
      ledger,
      'r/app',
      new Map([
        ['1.0.0-debian-12-r0', DIGEST_B],
        ['1.0.0-debian-12-r1', DIGEST_B],
      ]),
      NOW,
    );
    expect(mismatches).toEqual([
      { tag: '1.0.0-debian-12-r0', recorded: { digest: DIGEST_A, firstSeen: '2024-01-01T00:00:00.000Z' }, actual: DIGEST_B },
    ]);
    expect(ledger.entries['r/app:1.0.0-debian-12-r0']?.digest).toBe(DIGEST_A);
    expect(ledger.entries['r/app:1.0.0-debian-12-r1']).toEqual({ digest: DIGEST_B, firstSeen: NOW.toISOString() });
  });

  it('finds recorded tags missing from the list', () => {
    const entry = { digest: DIGEST_A, firstSeen: '2024-01-01T00:00:00.000Z' };
    const ledger: Ledger = {
      version: 1,
      entries: {
        'reg:5000/app:1.0.0-debian-12-r1': entry,
        'reg:5000/app:1.0.0-debian-12-r0': entry,
        'reg:5000/app:2.0.0-debian-12-r0': entry,
        'reg:5000/app/sub:1.0.0-debian-12-r0': entry,
        'reg:5000/other:1.0.0-debian-12-r0': entry,
      },
    };

    const deleted = findDeletedTags(recordedTags(ledger).get('reg:5000/app'), new Set(['2.0.0-debian-12-r0', 'latest']));

    expect(deleted).toEqual([
      { tag: '1.0.0-debian-12-r0', recorded: entry },
      { tag: '1.0.0-debian-12-r1', recorded: entry },
    ]);
  });

  it('writes atomically without leftovers', async () => {
    const path = join(dir, 'ledger.json');
    await writeLedger(path, { version: 1, entries: { 'r/b:t': { digest: DIGEST_B, firstSeen: NOW.toISOString() }, 'r/a:t': { digest: DIGEST_A, firstSeen: NOW.toISOString() } } });
    expect(await readdir(dir)).toEqual(['ledger.json']);
    const text = await readFile(path, 'utf8');
    expect(Object.keys((JSON.parse(text) as Ledger).entries)).toEqual(['r/a:t', 'r/b:t']);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('keeps entries another audit wrote meanwhile', async () => {
    const path = join(dir, 'ledger.json');
    const ours: Ledger = { version: 1, entries: { 'r/a:t': { digest: DIGEST_A, firstSeen: NOW.toISOString() } } };
    await writeFile(path, JSON.stringify({ version: 1, entries: { 'r/a:t': { digest: DIGEST_B, firstSeen: '2024-01-01T00:00:00.000Z' }, 'r/c:t': { digest: DIGEST_B, firstSeen: '2024-01-01T00:00:00.000Z' } } }));
    await writeLedger(path, ours);
    const written = await readJson(path);
    expect(written.entries['r/a:t']?.digest).toBe(DIGEST_B);
    expect(written.entries['r/c:t']?.digest).toBe(DIGEST_B);
  });

  it('fails on a folder that does not exist', async () => {
    await expect(writeLedger(join(dir, 'missing', 'ledger.json'), { version: 1, entries: {} })).rejects.toMatchObject({ code: 'INVALID_LEDGER' });
  });
});

describe('audit with a ledger', () => {
  it('creates the ledger with every immutable tag', async () => {
    const path = join(dir, 'ledger.json');
    const { registry, a, b, c } = cleanRepository();
    const report = await runAudit(registry, { ledger: path });
    expect(findingLines(report)).toEqual([]);
    expect((await readJson(path)).entries).toEqual({
      [`${REPOSITORY}:3.4.13-debian-12-r0`]: { digest: a, firstSeen: NOW.toISOString() },
      [`${REPOSITORY}:3.4.13-debian-12-r1`]: { digest: b, firstSeen: NOW.toISOString() },
      [`${REPOSITORY}:3.5.0-debian-12-r0`]: { digest: c, firstSeen: NOW.toISOString() },
    });
  });

  it('extends the ledger with new builds', async () => {
    const path = join(dir, 'ledger.json');
    const { registry } = cleanRepository();
    await runAudit(registry, { ledger: path });
    const newer = registry.addImage({ seed: 'r1' });
    registry.tag(REPOSITORY, '3.5.0-debian-12-r1', newer).tagAll(REPOSITORY, ['3.5.0', '3', '3-debian-12', 'latest'], newer);
    const later = new Date(NOW.getTime() + 86_400_000);
    const report = await runAudit(registry, { ledger: path, now: later });
    expect(findingLines(report)).toEqual([]);
    const entries = (await readJson(path)).entries;
    expect(Object.keys(entries)).toHaveLength(4);
    expect(entries[`${REPOSITORY}:3.5.0-debian-12-r1`]).toEqual({ digest: newer, firstSeen: later.toISOString() });
    expect(entries[`${REPOSITORY}:3.5.0-debian-12-r0`]?.firstSeen).toBe(NOW.toISOString());
  });

  it('detects a rewritten immutable tag on every later run', async () => {
    const path = join(dir, 'ledger.json');
    const { registry, a, stray } = cleanRepository();
    await runAudit(registry, { ledger: path });
    registry.tag(REPOSITORY, '3.4.13-debian-12-r0', stray);

    for (let run = 0; run < 2; run += 1) {
      const report = await runAudit(registry, { ledger: path });
      expect(findingLines(report)).toEqual(['critical rewritten-immutable 3.4.13-debian-12-r0']);
      expect(report.repositories[0]?.findings[0]).toMatchObject({ expected: a, actual: stray });
      expect((await readJson(path)).entries[`${REPOSITORY}:3.4.13-debian-12-r0`]?.digest).toBe(a);
    }
  });

  it('reports a deleted immutable tag on every later run', async () => {
    const path = join(dir, 'ledger.json');
    const { registry, a } = cleanRepository();
    await runAudit(registry, { ledger: path });
    registry.untag(REPOSITORY, '3.4.13-debian-12-r0');

    for (let run = 0; run < 2; run += 1) {
      const report = await runAudit(registry, { ledger: path });
      const deleted = report.repositories[0]?.findings.filter((item) => item.rule === 'deleted-immutable');
      expect(deleted?.map((item) => `${item.severity} ${item.tag}`)).toEqual(['critical 3.4.13-debian-12-r0']);
      expect(deleted?.[0]).toMatchObject({ expected: a, actual: null });
      expect(deleted?.[0]?.message).toContain('the registry no longer lists it');
      expect((await readJson(path)).entries[`${REPOSITORY}:3.4.13-debian-12-r0`]?.digest).toBe(a);
    }
  });

  it('reports every recorded tag of a deleted repository', async () => {
    const path = join(dir, 'ledger.json');
    const { registry } = cleanRepository();
    await runAudit(registry, { ledger: path });
    registry.removeRepository(REPOSITORY);

    const report = await runAudit(registry, { ledger: path });

    expect(findingLines(report)).toEqual([
      'critical deleted-immutable 3.4.13-debian-12-r0',
      'critical deleted-immutable 3.4.13-debian-12-r1',
      'critical deleted-immutable 3.5.0-debian-12-r0',
    ]);
  });

  it('audits recorded repositories the catalog no longer lists', async () => {
    const path = join(dir, 'ledger.json');
    const { registry } = cleanRepository();
    cleanRepository(registry, `${REGISTRY}/kept`);
    await runAudit(registry, { repositories: [], catalog: REGISTRY, ledger: path });
    registry.removeRepository(REPOSITORY);

    const report = await runAudit(registry, { repositories: [], catalog: REGISTRY, ledger: path });

    expect(report.repositories.map((repository) => repository.repository).sort()).toEqual([`${REGISTRY}/app`, `${REGISTRY}/kept`]);
    const removed = report.repositories.find((repository) => repository.repository === REPOSITORY);
    expect(removed?.findings.map((item) => item.rule)).toEqual(['deleted-immutable', 'deleted-immutable', 'deleted-immutable']);
  });

  it('reports a missing repository without records as unreachable', async () => {
    const path = join(dir, 'ledger.json');
    const registry = new FakeAuditRegistry();

    const report = await runAudit(registry, { repositories: [`${REGISTRY}/never`], ledger: path });

    expect(findingLines(report)).toEqual(['error unreachable -']);
  });

  it('keeps unreadable listed tags out', async () => {
    const path = join(dir, 'ledger.json');
    const { registry } = cleanRepository();
    await runAudit(registry, { ledger: path });
    registry.vanishedTags.add(`${REPOSITORY}:3.4.13-debian-12-r0`);

    const report = await runAudit(registry, { ledger: path });

    expect(findingLines(report)).toContain('error unreachable 3.4.13-debian-12-r0');
    expect(findingLines(report).filter((line) => line.includes('deleted-immutable'))).toEqual([]);
  });

  it('leaves a damaged ledger untouched', async () => {
    const path = join(dir, 'ledger.json');
    await writeFile(path, '{"version": 1, "entries": [');
    const { registry } = cleanRepository();
    await expect(runAudit(registry, { ledger: path })).rejects.toMatchObject({ code: 'INVALID_LEDGER' });
    expect(await readFile(path, 'utf8')).toBe('{"version": 1, "entries": [');
    expect(registry.calls.listTags).toBe(0);
  });

  it('records nothing for an unreachable repository', async () => {
    const path = join(dir, 'ledger.json');
    const { registry } = cleanRepository();
    registry.denied.add(REPOSITORY);
    await runAudit(registry, { ledger: path });
    expect((await readJson(path)).entries).toEqual({});
  });
});
