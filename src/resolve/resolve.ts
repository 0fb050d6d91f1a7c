/** `resolve`: the one-call form of {@link Resolver} for a list of references. */
import type { RegistryClient } from '../registry/client.js';
import type { TransportOptions } from '../registry/transport/index.js';
import { connectRegistry } from '../release/client-registry.js';
import { loadPolicy, type PolicySource } from '../release/policy.js';
import type { ImageReference } from '../release/ports.js';
import { RESOLVE_POLICY } from './candidates.js';
import type { ResolveRegistry } from './ports.js';
import { Resolver, type ResolvedReference, type ResolveOptions } from './resolver.js';

/** Options of {@link resolve}. */
export interface ResolveAllOptions extends ResolveOptions, PolicySource {
  /** Maximum registry requests in flight; default 8. */
  concurrency?: number;
  /** The registry port to use; by default one over `client`, or over a client built from `transport`. */
  registry?: ResolveRegistry;
  client?: RegistryClient;
  transport?: TransportOptions;
}

/**
 * Resolves `references` (see {@link Resolver.resolve}) and returns the
 * results in input order. Tag lists and digests are read once for all of them.
 */
export async function resolve(
  references: ReadonlyArray<string | ImageReference>,
  options: ResolveAllOptions = {},
): Promise<ResolvedReference[]> {
  // A default distro given alone narrows the wide resolve policy rather than replacing it with the default levels.
  const policy =
    options.policy === undefined && options.policyFile === undefined
      ? await loadPolicy({ policy: RESOLVE_POLICY, defaultDistro: options.defaultDistro })
      : await loadPolicy(options);
  const connection = options.registry === undefined ? connectRegistry(options.client, options.transport) : undefined;
  const registry = options.registry ?? (connection?.registry as ResolveRegistry);
  try {
    const resolver = new Resolver({ registry, policy, concurrency: options.concurrency });
    return await resolver.resolveAll(references, { platform: options.platform, findDigestTags: options.findDigestTags });
  } finally {
    await connection?.close();
  }
}

/** The `--json` form of a resolved reference. */
export interface ResolvedReferenceJson {
  reference: string;
  digest: string;
  mediaType: string;
  immutableTags: string[];
  platform?: { platform: string; digest: string; mediaType: string };
}

/** Converts resolved references to their `--json` form. */
export function resolvedToJson(results: readonly ResolvedReference[]): ResolvedReferenceJson[] {
  return results.map((result) => ({
    reference: result.reference,
    digest: result.digest,
    mediaType: result.mediaType,
    immutableTags: result.immutableTags,
    ...(result.platform === undefined ? {} : { platform: result.platform }),
  }));
}
