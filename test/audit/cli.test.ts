import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerAuditCommand } from '../../src/cli/commands/audit.js';
import { reportError } from '../../src/cli/output.js';
import type { FakeAuditRegistry } from './fake-registry.js';
import { cleanRepository, REGISTRY, REPOSITORY } from './scenario.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  progress: string;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tagkeeper-audit-cli-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `tagkeeper audit ARGS` in-process against `registry`, the way `main` does. */
async function runCli(registry: FakeAuditRegistry, args: string[], options: { tty?: boolean } = {}): Promise<CliResult> {
  let stdout = '';
  let progress = '';
  let stderr = '';
  let code = 0;
  let opened = false;
  let closed = false;
  vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
    stderr += String(text);
    return true;
  });

  const program = new Command('tagkeeper').exitOverride().configureOutput({ writeErr: (text) => (stderr += text), writeOut: (text) => (stdout += text) });
  registerAuditCommand(program, {
    stdout: { write: (text) => ((stdout += text), true) },
    stderr: { isTTY: options.tty ?? false, columns: 120, write: (text) => ((progress += text), true) },
    openRegistry: async () => {
      opened = true;
      return { registry, close: async () => void (closed = true) };
    },
    setExitCode: (value) => {
      code = value;
    },
  });
  try {
    await program.parseAsync(['node', 'tagkeeper', 'audit', ...args]);
  } catch (error) {
    code = error instanceof CommanderError ? 2 : reportError(error);
  }
  // Every registry the command opens is closed again, whatever the outcome.
  expect(closed).toBe(opened);
  return { code, stdout, stderr, progress };
}

describe('tagkeeper audit exit codes', () => {
  it.each([
    ['clean repository', 0, () => {}, []],
    ['error finding', 1, (registry: FakeAuditRegistry, b: string) => registry.tag(REPOSITORY, '3', b), []],
    ['error finding, fail on never', 0, (registry: FakeAuditRegistry, b: string) => registry.tag(REPOSITORY, '3', b), ['--fail-on', 'never']],
    ['warning finding', 0, (registry: FakeAuditRegistry) => registry.untag(REPOSITORY, '3'), []],
    ['warning finding, fail on warning', 1, (registry: FakeAuditRegistry) => registry.untag(REPOSITORY, '3'), ['--fail-on', 'warning']],
    ['info finding, fail on warning', 0, (registry: FakeAuditRegistry, b: string) => registry.tag(REPOSITORY, 'nightly', b), ['--fail-on', 'warning']],
    ['unreachable repository', 1, (registry: FakeAuditRegistry) => registry.denied.add(REPOSITORY), []],
  ] as const)('%s exits %d', async (_name, expected, change, args) => {
    const { registry, b } = cleanRepository();
    change(registry, b);
    const result = await runCli(registry, [REPOSITORY, '--default-distro', 'debian-12', ...args]);
    expect(result.code).toBe(expected);
  });

  it('exits 1 on a rewritten immutable tag', async () => {
    const ledger = join(dir, 'ledger.json');
    const { registry, stray } = cleanRepository();
    expect((await runCli(registry, [REPOSITORY, '--ledger', ledger])).code).toBe(0);
    registry.tag(REPOSITORY, '3.4.13-debian-12-r0', stray);
    const result = await runCli(registry, [REPOSITORY, '--ledger', ledger, '--format', 'json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).summary.findings.critical).toBe(1);
  });

  it.each([
    ['bad duration', ['--max-age', '7x'], 'invalid duration "7x" for --max-age'],
    ['zero duration', ['--max-age', '0d'], 'invalid duration "0d"'],
    ['bad concurrency', ['--concurrency', 'many'], 'invalid --concurrency "many"'],
    ['zero concurrency', ['--concurrency', '0'], 'invalid concurrency 0'],
    ['unknown format', ['--format', 'xml'], "argument 'xml' is invalid"],
    ['unknown fail-on', ['--fail-on', 'info'], "argument 'info' is invalid"],
    ['bad default distro', ['--default-distro', 'Debian 12'], 'defaultDistro'],
    ['missing policy file', ['--policy', '/nonexistent/policy.yaml'], 'file not found'],
    ['bad catalog host', ['--catalog', 'http://reg.test/'], '--catalog "http://reg.test/"'],
  ])('%s exits 2', async (_name, args, message) => {
    const { registry } = cleanRepository();
    const result = await runCli(registry, [REPOSITORY, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
    expect(registry.calls.listTags).toBe(0);
  });

  it('exits 2 for an invalid repository', async () => {
    const { registry } = cleanRepository();
    const result = await runCli(registry, ['reg.test/Upper']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid reference "reg.test/Upper"');
  });

  it('exits 2 without any repository', async () => {
    const { registry } = cleanRepository();
    const result = await runCli(registry, []);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no repository to audit');
  });

  it('exits 2 for a damaged ledger and keeps it', async () => {
    const ledger = join(dir, 'ledger.json');
    await writeFile(ledger, '{"version": 7, "entries": {}}');
    const { registry } = cleanRepository();
    const result = await runCli(registry, [REPOSITORY, '--ledger', ledger]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^tagkeeper: error: ledger .* is invalid at ledger.version/);
    expect(await readFile(ledger, 'utf8')).toBe('{"version": 7, "entries": {}}');
  });

  it('exits 3 when the catalog is unavailable', async () => {
    const { registry } = cleanRepository();
    registry.withoutCatalog.add(REGISTRY);
    const result = await runCli(registry, ['--catalog', REGISTRY]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('does not list its repositories');
  });

  it('reads the policy file', async () => {
    const policy = join(dir, 'policy.yaml');
    await writeFile(policy, 'defaultDistro: debian-12\nlevels: [latest, major]\n');
    const { registry } = cleanRepository();
    registry.untag(REPOSITORY, '3-debian-12');
    const result = await runCli(registry, [REPOSITORY, '--policy', policy, '--fail-on', 'warning']);
    expect(result.code).toBe(0);
  });
});

describe('tagkeeper audit output', () => {
  it.each([
    ['table', 'reg.test/app (8 tags)'],
    ['markdown', '## tagkeeper audit'],
    ['json', '"repositories": ['],
  ])('prints the %s form', async (format, start) => {
    const { registry, b } = cleanRepository();
    registry.tag(REPOSITORY, '3', b);
    const result = await runCli(registry, [REPOSITORY, '--format', format]);
    expect(result.stdout).toContain(start);
    expect(result.stdout).toContain('stale-rolling');
  });

  it('prints a table by default', async () => {
    const { registry } = cleanRepository();
    const result = await runCli(registry, [REPOSITORY]);
    expect(result.stdout).toBe('reg.test/app (8 tags): no findings\n\n1 repository, 8 tags: 0 critical, 0 errors, 0 warnings, 0 info\n');
  });

  it('draws progress only on a terminal', async () => {
    const { registry } = cleanRepository();
    expect((await runCli(registry, [REPOSITORY])).progress).toBe('');
    const onTerminal = await runCli(registry, [REPOSITORY], { tty: true });
    expect(onTerminal.progress).toContain('1/1 repositories, 8/8 tags');
    expect(onTerminal.progress.endsWith('\r\x1b[K')).toBe(true);
  });
});
