import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isTagkeeperError } from '../../src/errors.js';
import { normalizeEntryPath, tarHeader, tarOfFiles, TAR_BLOCK_SIZE } from '../support/tar.js';
import { runTool } from '../support/tools.js';

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tagkeeper-tar-test-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Lists a tar with GNU tar, which checks every header checksum. */
async function listWithTar(archive: Buffer): Promise<string[]> {
  const file = path.join(workDir, `archive-${Math.random().toString(36).slice(2)}.tar`);
  await writeFile(file, archive);
  const { stdout } = await runTool('tar', ['--list', '--verbose', '--numeric-owner', '--file', file]);
  return stdout.toString('utf8').trim().split('\n');
}

async function extractFile(archive: Buffer, member: string): Promise<Buffer> {
  const file = path.join(workDir, `archive-${Math.random().toString(36).slice(2)}.tar`);
  await writeFile(file, archive);
  const { stdout } = await runTool('tar', ['--extract', '--to-stdout', '--file', file, member]);
  return stdout;
}

describe('tarOfFiles', () => {
  it('lists parent folders before files, sorted by path', async () => {
    const archive = tarOfFiles({ 'usr/bin/app': '#!/bin/sh\n', 'etc/os-release': 'ID=debian\n', 'a.txt': '' });
    const lines = await listWithTar(archive);
    const names = lines.map((line) => line.split(/\s+/).pop());

    expect(names).toEqual(['a.txt', 'etc/', 'etc/os-release', 'usr/', 'usr/bin/', 'usr/bin/app']);
  });

  it('writes owner root, fixed modes and the epoch as mtime', async () => {
    const lines = await listWithTar(tarOfFiles({ 'etc/hostname': 'box\n' }));

    expect(lines[0]).toMatch(/^drwxr-xr-x 0\/0\s+0 1970-01-01 00:00 etc\/$/);
    expect(lines[1]).toMatch(/^-rw-r--r-- 0\/0\s+4 1970-01-01 00:00 etc\/hostname$/);
  });

  it.each([
    ['text', 'hello\n'],
    ['an empty file', ''],
    ['binary bytes', Buffer.from([0, 1, 2, 255, 254, 0])],
    ['exactly one block', Buffer.alloc(TAR_BLOCK_SIZE, 7)],
    ['one byte over a block', Buffer.alloc(TAR_BLOCK_SIZE + 1, 9)],
  ])('keeps the content of %s', async (_case, content) => {
    const archive = tarOfFiles({ 'data/file': content });
    const extracted = await extractFile(archive, 'data/file');

    expect(extracted.equals(Buffer.isBuffer(content) ? content : Buffer.from(content))).toBe(true);
    expect(archive.length % TAR_BLOCK_SIZE).toBe(0);
  });

  it('stores paths longer than 100 bytes with the ustar prefix', async () => {
    const folder = `${'d'.repeat(60)}/${'e'.repeat(60)}`;
    const longPath = `${folder}/${'f'.repeat(90)}.txt`;
    const names = (await listWithTar(tarOfFiles({ [longPath]: 'x' }))).map((line) => line.split(/\s+/).pop());

    expect(names).toContain(longPath);
  });

  it('gives the same bytes for the same files in any order', () => {
    const first = tarOfFiles({ b: '2', a: '1', 'c/d': '3' });
    const second = tarOfFiles({ 'c/d': '3', a: '1', b: '2' });

    expect(first.equals(second)).toBe(true);
  });

  it.each([
    ['a path listed twice', { 'etc/x': '1', '/etc/x': '2' }, /listed twice/],
    ['a file that is also a folder', { etc: '1', 'etc/x': '2' }, /both a file and the folder/],
    ['a name over 100 bytes', { ['n'.repeat(101)]: '1' }, /does not fit a ustar header/],
  ])('rejects %s', (_case, files, message) => {
    expect(() => tarOfFiles(files)).toThrow(message);
  });
});

describe('normalizeEntryPath', () => {
  it.each([
    ['etc/os-release', 'etc/os-release'],
    ['/etc/os-release', 'etc/os-release'],
    ['./etc/os-release', 'etc/os-release'],
  ])('turns %s into %s', (input, expected) => {
    expect(normalizeEntryPath(input)).toBe(expected);
  });

  it.each(['', '/', '../etc/passwd', 'etc/../passwd', 'etc//passwd', 'etc/./passwd', 'etc\\passwd', 'etc/'])(
    'rejects %j with an invalid-spec error',
    (input) => {
      let thrown: unknown;
      try {
        normalizeEntryPath(input);
      } catch (error) {
        thrown = error;
      }
      expect(isTagkeeperError(thrown)).toBe(true);
      expect((thrown as { code: string }).code).toBe('INVALID_IMAGE_SPEC');
    },
  );
});

describe('tarHeader', () => {
  it.each([-1, 1.5, 0o100000000000])('rejects size %s', (size) => {
    expect(() => tarHeader({ path: 'f', type: 'file', size })).toThrow(/has invalid size/);
  });
});
