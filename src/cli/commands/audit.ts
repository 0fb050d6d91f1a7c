import { Option, type Command } from 'commander';
import { audit } from '../../audit/audit.js';
import { clientAuditRegistry } from '../../audit/client-registry.js';
import { AuditOptionError } from '../../audit/errors.js';
import { DEFAULT_AUDIT_CONCURRENCY } from '../../audit/fetcher.js';
import { FAIL_ON_VALUES, type FailOn } from '../../audit/findings.js';
import { formatReport, REPORT_FORMATS, type ReportFormat } from '../../audit/format.js';
import type { AuditRegistry } from '../../audit/ports.js';
import { createProgressBar, type ProgressStream } from '../../audit/progress.js';
import { reportFails } from '../../audit/report.js';
import { parseRegistry, parseRepository } from '../../registry/reference.js';
import { loadTagPolicyFile } from '../../scheme/policy-file.js';
import type { TagPolicy } from '../../scheme/policy.js';
import { ExitCode } from '../output.js';
import { addRegistryOptions, createRegistryClient, type RegistryFlags } from '../registry-options.js';

/** Options of `tagkeeper audit`, as commander parses them. */
export interface AuditCommandOptions extends RegistryFlags {
  catalog?: string;
  policy?: string;
  defaultDistro?: string;
  ledger?: string;
  requireNonRoot?: boolean;
  maxAge?: string;
  format: ReportFormat;
  failOn: FailOn;
  concurrency: string;
}

/** The output streams and the registry of the command, which tests replace. */
export interface AuditCommandIo {
  stdout: { write(text: string): boolean };
  /** Receives the progress bar when it is a terminal. */
  stderr: ProgressStream;
  /** Opens the registry for the flags; `registries` are the hosts named in the arguments. */
  openRegistry(flags: RegistryFlags, registries: string[]): Promise<{ registry: AuditRegistry; close(): Promise<void> }>;
  setExitCode(code: number): void;
}

const DEFAULT_IO: AuditCommandIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  async openRegistry(flags, registries) {
    const client = await createRegistryClient(flags, registries);
    return { registry: clientAuditRegistry(client), close: () => client.close() };
  },
  setExitCode(code) {
    process.exitCode = code;
  },
};

/**
 * Registers `tagkeeper audit`, which checks repositories against the tag
 * scheme and exits with 1 when a finding reaches `--fail-on`.
 */
export function registerAuditCommand(program: Command, io: Partial<AuditCommandIo> = {}): void {
  const streams: AuditCommandIo = { ...DEFAULT_IO, ...io };
  const command = program
    .command('audit')
    .description('Check repositories against the tag scheme: stale, orphan and missing rolling tags, rewritten immutable tags, revision gaps')
    .argument('[repository...]', 'repositories to audit, such as ghcr.io/acme/etcd')
    .option('--catalog <registry>', 'also audit every repository the registry lists (GET /v2/_catalog)')
    .option('--policy <file>', 'tag policy file, JSON or YAML (default: levels latest, major, major-distro, version)')
    .option('--default-distro <distro>', 'distro that tags without a distro stand for, overriding the policy (default: the only distro of each repository)')
    .option('--ledger <file>', 'JSON file of immutable tag digests from earlier audits; created when missing, extended, never rewritten')
    .option('--require-non-root', 'report rolling tags whose image runs as root')
    .option('--max-age <duration>', 'report rolling tags whose image was created longer ago, such as 30m, 12h, 7d or 2w')
    .addOption(new Option('--format <format>', 'report format').choices(REPORT_FORMATS).default('table'))
    .addOption(
      new Option('--fail-on <severity>', 'exit with 1 when a finding is at or above this severity (critical counts above error)')
        .choices(FAIL_ON_VALUES)
        .default('error'),
    )
    .option('--concurrency <n>', 'registry requests in flight at once for the whole run', String(DEFAULT_AUDIT_CONCURRENCY));
  addRegistryOptions(command).action(async (repositories: string[], options: AuditCommandOptions) => {
    streams.setExitCode(await runAuditCommand(repositories, options, streams));
  });
}

/**
 * Runs the audit for parsed arguments, prints the report and returns the
 * exit code: 0 when no finding reaches `--fail-on`, else 1. Bad input and
 * failures are thrown, and `main` prints them with exit code 2 or 3.
 */
export async function runAuditCommand(repositories: string[], options: AuditCommandOptions, io: AuditCommandIo): Promise<number> {
  const concurrency = parseConcurrency(options.concurrency);
  const registries = [...new Set([...repositories.map((name) => parseRepository(name).registry), ...catalogRegistry(options.catalog)])];
  const policy: TagPolicy | undefined = options.policy === undefined ? undefined : await loadTagPolicyFile(options.policy);

  const opened = await io.openRegistry(options, registries);
  const progress = createProgressBar(io.stderr);
  try {
    const report = await audit({
      registry: opened.registry,
      repositories,
      ...(options.catalog === undefined ? {} : { catalog: parseCatalogRegistry(options.catalog) }),
      ...(policy === undefined ? {} : { policy }),
      ...(options.defaultDistro === undefined ? {} : { defaultDistro: options.defaultDistro }),
      ...(options.ledger === undefined ? {} : { ledger: options.ledger }),
      requireNonRoot: options.requireNonRoot ?? false,
      ...(options.maxAge === undefined ? {} : { maxAge: options.maxAge }),
      concurrency,
      onProgress: (state) => progress.update(state),
    });
    progress.finish();
    io.stdout.write(formatReport(report, options.format));
    return reportFails(report, options.failOn) ? ExitCode.checkFailed : ExitCode.ok;
  } finally {
    progress.finish();
    await opened.close();
  }
}

function catalogRegistry(catalog: string | undefined): string[] {
  return catalog === undefined ? [] : [parseCatalogRegistry(catalog)];
}

function parseCatalogRegistry(catalog: string): string {
  try {
    return parseRegistry(catalog);
  } catch {
    throw new AuditOptionError('--catalog', `--catalog ${JSON.stringify(catalog)} is not a registry host[:port], such as registry.local:5000`);
  }
}

function parseConcurrency(value: string): number {
  if (!/^[0-9]{1,6}$/.test(value)) {
    throw new AuditOptionError('--concurrency', `invalid --concurrency ${JSON.stringify(value)}: expected a whole number such as 8`);
  }
  return Number(value);
}
