/**
 * Publish, resolve, pin, audit and copy against CNCF Distribution through
 * the fault proxy, under every fault of FAULT_CASES. Each operation either
 * succeeds after retries or fails with a typed error; afterwards every tag
 * has its old digest or its new one (read back with skopeo), and a second
 * run without faults finishes the job.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { audit } from '../../src/audit/audit.js';
import { clientAuditRegistry } from '../../src/audit/client-registry.js';
import type { AuditReport } from '../../src/audit/report.js';
import { isTagkeeperError } from '../../src/errors.js';
import { createRegistryResolver } from '../../src/helm/registry-resolver.js';
import { pinValues } from '../../src/helm/pin-values.js';
import { RegistryClient } from '../../src/registry/client.js';
import { publish } from '../../src/release/publish.js';
import { resolve } from '../../src/resolve/resolve.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.js';
import { buildIndex, type BuiltImage } from '../support/oci-layout.js';
import { useDistribution } from '../support/registry-fixture.js';
import { pushImage } from '../support/skopeo.js';
import { makeTempDir, removeDir } from '../support/temp.js';
import { FAULT_CASES, describeError, faultClient, settle, tagDigests, tagsOutsideStates, type FaultCase, type FaultTarget } from './scenario.js';

const registry = useDistribution();
const other = useDistribution();

let proxy: FaultProxy;
let layout: string;
let direct: RegistryClient;
let base: BuiltImage;
let next: BuiltImage;
/** Tags of the repository the read-only operations use, read once with skopeo. */
let readOnlyTags: Record<string, string>;

const READ_ONLY_REPOSITORY = 'faults/read-only';
const PLATFORM = 'linux/arm64';

beforeAll(async () => {
  layout = await makeTempDir('faults-operations');
  direct = faultClient();
  base = await buildIndex(join(layout, 'oci'), 'base', [
    { seed: 'faults-base', platform: { os: 'linux', architecture: 'amd64' } },
    { seed: 'faults-base', platform: { os: 'linux', architecture: 'arm64' } },
  ]);
  next = await buildIndex(join(layout, 'oci'), 'next', [
    { seed: 'faults-next', platform: { os: 'linux', architecture: 'amd64' } },
    { seed: 'faults-next', platform: { os: 'linux', architecture: 'arm64' } },
  ]);
  await pushImage(base, registry(), 'staging/app:base');
  await pushImage(next, registry(), 'staging/app:next');

  await publishDirect('base', READ_ONLY_REPOSITORY, '2.0.0');
  await publishDirect('next', READ_ONLY_REPOSITORY, '2.0.1');
  readOnlyTags = await tagDigests(registry().host, READ_ONLY_REPOSITORY);
  proxy = await startFaultProxy({ upstream: registry().url });
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await direct?.close();
  await removeDir(layout);
});

function publishDirect(image: 'base' | 'next', repository: string, version: string) {
  return publish({
    client: direct,
    source: `${registry().host}/staging/app:${image}`,
    target: `${registry().host}/${repository}`,
    version,
    distro: 'debian-12',
  });
}

/** One operation run through the proxy: how to prepare it, run it, and what it leaves behind. */
interface Operation {
  name: string;
  /** The request each fault target is injected into. */
  targets: Record<FaultTarget, Omit<FaultRule, 'fault' | 'name'>>;
  /** Whether the operation writes to the registry. */
  writes: boolean;
  /** Returns the repository the run uses, after any setup. */
  prepare(caseId: string): Promise<string>;
  /** Runs the operation through `host` and returns what a check needs. */
  run(client: RegistryClient, host: string, repository: string, caseId: string): Promise<unknown>;
  /** Asserts the result of a successful run. */
  expectResult(value: unknown, repository: string, caseId: string): Promise<void> | void;
  /** Tags before and after a complete run, for write operations. */
  states?(repository: string): { before: Record<string, string>; after: Record<string, string> };
}

const MANIFEST_PUT = { method: 'PUT', path: /\/manifests\/[^/?]+$/ } as const;

function caseRepository(operation: string, caseId: string): string {
  return `faults/${operation}-${caseId}`;
}

function publishStates(): { before: Record<string, string>; after: Record<string, string> } {
  const before = {
    '1': base.digest,
    '1-debian-12': base.digest,
    '1.0.0': base.digest,
    '1.0.0-debian-12-r0': base.digest,
    latest: base.digest,
  };
  const after = {
    ...before,
    '1': next.digest,
    '1-debian-12': next.digest,
    '1.0.1': next.digest,
    '1.0.1-debian-12-r0': next.digest,
    latest: next.digest,
  };
  return { before, after };
}

const OPERATIONS: Operation[] = [
  {
    name: 'publish',
    writes: true,
    targets: {
      // The second manifest PUT: the immutable tag or the first rolling tag, half way through the writes.
      request: { ...MANIFEST_PUT, nth: 2 },
      body: { method: 'GET', path: /\/manifests\/sha256:/ },
      'digested-body': { method: 'GET', path: /\/manifests\/sha256:/ },
    },
    async prepare(caseId) {
      const repository = caseRepository('publish', caseId);
      await publishDirect('base', repository, '1.0.0');
      return repository;
    },
    run: (client, host, repository) =>
      publish({ client, source: `${host}/staging/app:next`, target: `${host}/${repository}`, version: '1.0.1', distro: 'debian-12' }),
    expectResult(value) {
      // A run after a fault that the retries hid finds every tag already set.
      expect(['published', 'up-to-date']).toContain((value as { outcome: string }).outcome);
      expect(value).toMatchObject({ digest: next.digest, immutable: '1.0.1-debian-12-r0', revision: 0 });
    },
    states: publishStates,
  },
  {
    name: 'copy',
    writes: true,
    targets: {
      request: { method: 'GET', path: /\/blobs\/sha256:/ },
      body: { method: 'GET', path: /\/blobs\/sha256:/ },
      'digested-body': { method: 'GET', path: /\/blobs\/sha256:/ },
    },
    prepare: async (caseId) => caseRepository('copy', caseId),
    // Into another registry, so blobs are streamed through the proxy instead of mounted.
    run: (client, host, repository) => client.copyImage(`${host}/staging/app:next`, `${other().host}/${repository}:copied`),
    expectResult(value, repository) {
      expect(value).toMatchObject({ digest: next.digest, destination: `${other().host}/${repository}:copied@${next.digest}` });
    },
  },
  {
    name: 'resolve',
    writes: false,
    targets: {
      request: { method: 'GET', path: /\/tags\/list/ },
      body: { method: 'GET', path: /\/tags\/list/ },
      'digested-body': { method: 'GET', path: /\/manifests\// },
    },
    prepare: async () => READ_ONLY_REPOSITORY,
    run: (client, host, repository) => resolve([`${host}/${repository}:2`], { client, platform: PLATFORM }),
    expectResult(value) {
      expect(value).toMatchObject([{ digest: next.digest, immutableTags: ['2.0.1-debian-12-r0'], platform: { digest: next.platforms?.[1]?.digest } }]);
    },
  },
  {
    name: 'pin',
    writes: false,
    targets: {
      request: { method: 'GET', path: /\/tags\/list/ },
      body: { method: 'GET', path: /\/tags\/list/ },
      'digested-body': { method: 'GET', path: /\/manifests\// },
    },
    prepare: async () => READ_ONLY_REPOSITORY,
    async run(client, host, repository, caseId) {
      const file = join(layout, `values-${caseId}.yaml`);
      await writeFile(file, valuesText(host, repository, '2'), { flag: 'wx' }).catch(() => undefined);
      const resolver = await createRegistryResolver({ client });
      return pinValues([file], { resolver, platform: { os: 'linux', architecture: 'arm64' } });
    },
    async expectResult(_value, _repository, caseId) {
      expect(await readFile(join(layout, `values-${caseId}.yaml`), 'utf8')).toContain(`tag: "2.0.1-debian-12-r0"`);
    },
  },
  {
    name: 'audit',
    writes: false,
    targets: {
      request: { method: 'GET', path: /\/tags\/list/ },
      body: { method: 'GET', path: /\/tags\/list/ },
      'digested-body': { method: 'GET', path: /\/manifests\// },
    },
    prepare: async () => READ_ONLY_REPOSITORY,
    run: (client, host, repository) => audit({ registry: clientAuditRegistry(client), repositories: [`${host}/${repository}`], requireNonRoot: true }),
    expectResult(value) {
      const report = value as AuditReport;
      expect(report.repositories[0]?.findings.filter((finding) => finding.rule === 'unreachable')).toEqual([]);
      expect(report.summary).toMatchObject({ repositories: 1 });
    },
  },
];

function valuesText(host: string, repository: string, tag: string): string {
  return `image:\n  registry: ${host}\n  repository: ${repository}\n  tag: "${tag}"\n`;
}

/** Returns the unreachable findings of an audit report: the audit's form of a failed request. */
function unreachable(value: unknown): string[] {
  return (value as AuditReport).repositories.flatMap((repository) =>
    repository.findings.filter((finding) => finding.rule === 'unreachable').map((finding) => finding.message),
  );
}

function caseIdOf(fault: FaultCase): string {
  return fault.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

describe.each(OPERATIONS)('$name under faults', { timeout: 60_000 }, (operation) => {
  it.each(FAULT_CASES)('$name: old or new state, then a re-run finishes', async (faultCase) => {
    const caseId = caseIdOf(faultCase);
    const repository = await operation.prepare(caseId);
    const readHost = operation.name === 'copy' ? other().host : registry().host;
    const before = operation.writes ? await tagDigests(readHost, repository) : readOnlyTags;
    proxy.setRules([{ name: faultCase.name, ...operation.targets[faultCase.target], fault: faultCase.fault }]);

    const client = faultClient();
    const first = await settle(() => operation.run(client, proxy.host, repository, caseId));
    await client.close();
    const injected = proxy.injected()[faultCase.name] ?? 0;
    proxy.setRules([]);

    expect(injected, 'the fault was never injected, so the case proves nothing').toBeGreaterThanOrEqual(1);
    if (first.ok) {
      if (operation.name === 'audit' && unreachable(first.value).length > 0) {
        // The audit keeps going past a failed read and reports it as a finding of rule unreachable.
        expect(unreachable(first.value).join('\n')).toMatch(/returned|failed|timed out|mismatch|invalid|not valid/i);
      } else {
        await operation.expectResult(first.value, repository, caseId);
      }
    } else {
      expect(isTagkeeperError(first.error), describeError(first.error)).toBe(true);
      expect((first.error as Error).message).not.toMatch(/\bat .*\.ts:\d+/);
    }

    const afterFault = await tagDigests(readHost, repository);
    if (operation.states !== undefined) {
      const { before: old, after } = operation.states(repository);
      expect(tagsOutsideStates(afterFault, old, after)).toEqual([]);
    } else if (operation.writes) {
      expect(tagsOutsideStates(afterFault, before, { copied: next.digest })).toEqual([]);
    } else {
      expect(afterFault).toEqual(before);
    }

    const rerunClient = faultClient();
    const second = await settle(() => operation.run(rerunClient, proxy.host, repository, caseId));
    await rerunClient.close();
    expect(second.ok, second.ok ? '' : describeError(second.error)).toBe(true);
    if (second.ok) {
      await operation.expectResult(second.value, repository, caseId);
    }
    const final = await tagDigests(readHost, repository);
    if (operation.states !== undefined) {
      expect(final).toEqual(operation.states(repository).after);
    } else if (operation.writes) {
      expect(final).toEqual({ copied: next.digest });
    } else {
      expect(final).toEqual(before);
    }
  });
});
