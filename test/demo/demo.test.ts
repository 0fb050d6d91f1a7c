import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import { clientAuditRegistry } from '../../src/audit/client-registry.js';
import { buildTar } from '../../src/demo/images.js';
import { runDemo, type DemoResult } from '../../src/demo/demo.js';
import { DEMO_POLICY } from '../../src/demo/steps.js';
import { RegistryClient } from '../../src/registry/client.js';
import { loadTagPolicyFile } from '../../src/scheme/policy-file.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { useDistribution } from '../support/registry-fixture.js';
import { registryTarget, skopeoDigest } from '../support/skopeo.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The tags the demo leaves, each with the immutable tag it points to. */
const FINAL_TAGS: Record<string, string> = {
  '3': '3.5.10-debian-12-r1',
  '3-debian-12': '3.5.10-debian-12-r1',
  '3-photon-5': '3.5.9-photon-5-r0',
  '3.4': '3.4.30-debian-12-r0',
  '3.4.30': '3.4.30-debian-12-r0',
  '3.4.30-debian-12-r0': '3.4.30-debian-12-r0',
  '3.5': '3.5.10-debian-12-r1',
  '3.5.9': '3.5.9-debian-12-r0',
  '3.5.9-debian-12-r0': '3.5.9-debian-12-r0',
  '3.5.9-photon-5-r0': '3.5.9-photon-5-r0',
  '3.5.10': '3.5.10-debian-12-r1',
  '3.5.10-debian-12-r0': '3.5.10-debian-12-r0',
  '3.5.10-debian-12-r1': '3.5.10-debian-12-r1',
  '3.6.0-rc1': '3.6.0-rc1-debian-12-r0',
  '3.6.0-rc1-debian-12-r0': '3.6.0-rc1-debian-12-r0',
  latest: '3.5.10-debian-12-r1',
};

function tagTable(result: DemoResult): Record<string, string | undefined> {
  return Object.fromEntries(result.tags.map((entry) => [entry.tag, entry.immutable]));
}

describe('runDemo', { timeout: 120_000 }, () => {
  it('ends with the expected tag table on the embedded registry', async () => {
    let output = '';

    const result = await runDemo({ write: (text) => (output += text), color: false });

    expect(tagTable(result)).toEqual(FINAL_TAGS);
    expect(result.steps.map((step) => [step.immutable, step.outcome])).toEqual([
      ['3.5.9-debian-12-r0', 'published'],
      ['3.5.9-photon-5-r0', 'published'],
      ['3.5.10-debian-12-r0', 'planned'],
      ['3.5.10-debian-12-r0', 'published'],
      ['3.4.30-debian-12-r0', 'published'],
      ['3.5.10-debian-12-r1', 'published'],
      ['3.5.10-debian-12-r1', 'up-to-date'],
      ['3.5.10-debian-12-r1', 'unchanged'],
      ['3.6.0-rc1-debian-12-r0', 'published'],
    ]);
    expect(result.resolved.map((entry) => entry.immutableTags[0])).toEqual([
      '3.5.10-debian-12-r1',
      '3.5.10-debian-12-r1',
      '3.5.10-debian-12-r1',
      '3.4.30-debian-12-r0',
      '3.5.9-photon-5-r0',
      '3.6.0-rc1-debian-12-r0',
    ]);
    expect(result.resolved.every((entry) => entry.platform?.platform === 'linux/arm64/v8')).toBe(true);
    expect(output).toContain('9 publishes: 6 published, 1 dry run, 1 with nothing to do, 1 skipped as unchanged.');
    expect(output).toContain('Every rolling tag points to an image that has an immutable tag.');
    expect(output).not.toContain('\u001b[');
    expect(output).toContain('tag policy:\n  levels: [latest, major, major-distro, minor, version]\n  defaultDistro: debian-12\n');
    expect(output).toContain(', from 127.0.0.1');
    expect(output).toContain('/demo/app-staging:build-103 (would be copied)\n');
    expect(output).toContain('"tagkeeper demo --registry HOST"');
    expect(result.policyFile).toBeUndefined();
    expect(result.audit.repositories.map((repository) => repository.findings)).toEqual([[]]);
    expect(output).toContain(`${result.registry}/demo/app (16 tags): no findings`);
  });

  it('gives the same images the same digests on every run', async () => {
    const first = await runDemo({ write: () => undefined });
    const second = await runDemo({ write: () => undefined });

    expect(second.tags).toEqual(first.tags);
  });
});

describe('runDemo on Distribution', { timeout: 120_000 }, () => {
  const registry = useDistribution();

  it('prints the repository first and leaves the same tags', async () => {
    let output = '';

    const result = await runDemo({ registry: registry().host, write: (text) => (output += text) });

    // Without a policyFile option the demo writes its policy into a new temporary folder.
    expect(result.policyFile).toMatch(/tagkeeper-demo-[^/]+\/policy\.yaml$/);
    await removeDir(dirname(result.policyFile as string));
    expect(result.repository).toMatch(/^tagkeeper-demo\/app-[0-9a-f]{8}$/);
    expect(output.split('\n').slice(0, 3).join('\n')).toContain(`releasing into ${registry().host}/${result.repository}`);
    expect(tagTable(result)).toEqual(FINAL_TAGS);
    for (const entry of result.tags) {
      expect(await skopeoDigest(`docker://${registry().host}/${result.repository}:${entry.tag}`, registryTarget(registry()))).toBe(entry.digest);
    }
  });

  it('writes its policy, so that an audit with it has no findings', async () => {
    const folder = await makeTempDir('demo-policy');
    const client = new RegistryClient();
    try {
      let output = '';
      const policyFile = join(folder, 'policy.yaml');
      const result = await runDemo({ registry: registry().host, policyFile, write: (text) => (output += text) });
      const repository = `${registry().host}/${result.repository}`;

      expect(result.policyFile).toBe(policyFile);
      expect(await loadTagPolicyFile(policyFile)).toMatchObject(DEMO_POLICY);
      expect(output).toContain(`tag policy (written to ${policyFile}):\n`);
      expect(output).toContain(`  tagkeeper audit ${repository} --policy ${policyFile}\n`);
      expect(output).toContain(`  tagkeeper resolve ${repository}:3.5 ${repository}:latest --policy ${policyFile}\n`);

      const withPolicy = await audit({ registry: clientAuditRegistry(client), repositories: [repository], policy: await loadTagPolicyFile(policyFile) });
      expect(withPolicy.summary.findings).toEqual({ critical: 0, error: 0, warning: 0, info: 0 });

      // The default levels lack minor, so the minor tags are warnings, never errors.
      const withDefaults = await audit({ registry: clientAuditRegistry(client), repositories: [repository], defaultDistro: 'debian-12' });
      expect(withDefaults.repositories[0]?.findings.map((item) => `${item.severity} ${item.rule} ${item.tag}`).sort()).toEqual([
        'warning level-not-in-policy 3.4',
        'warning level-not-in-policy 3.5',
      ]);
    } finally {
      await client.close();
      await removeDir(folder);
    }
  });
});

describe('runDemo on an unreachable registry', () => {
  it('fails before printing anything', async () => {
    const port = await closedPort();
    let output = '';

    const error = await runDemo({ registry: `127.0.0.1:${port}`, write: (text) => (output += text) }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect(output).toBe('');
  });
});

/** Returns a loopback port that nothing listens on: one the system just gave out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('no port');
  }
  return address.port;
}

describe('tagkeeper demo', { timeout: 120_000 }, () => {
  it('runs as a child process and prints the summary', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'src', 'cli', 'bin.ts'), 'demo'], { cwd: ROOT });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
    });

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^tagkeeper demo\nembedded registry at http:\/\/127\.0\.0\.1:\d+\n/);
    expect(stdout).toContain('16 tags: 6 immutable');
  });
});

describe('buildTar', () => {
  it('writes ustar headers with valid checksums and padded content', () => {
    const tar = buildTar([['app/VERSION', '3.5.10\n']]);
    const header = tar.subarray(0, 512);
    const stored = Number.parseInt(header.subarray(148, 154).toString('ascii'), 8);
    const computed = [...header].reduce((sum, byte, index) => sum + (index >= 148 && index < 156 ? 32 : byte), 0);

    expect(tar.length).toBe(512 + 512 + 1024);
    expect(header.subarray(0, 11).toString()).toBe('app/VERSION');
    expect(header.subarray(257, 262).toString()).toBe('ustar');
    expect(Number.parseInt(header.subarray(124, 135).toString('ascii'), 8)).toBe(7);
    expect(stored).toBe(computed);
    expect(tar.subarray(512, 519).toString()).toBe('3.5.10\n');
  });
});
