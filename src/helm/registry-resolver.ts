import type { RegistryClient } from '../registry/client.js';
import { ClientRegistry } from '../release/client-registry.js';
import { loadPolicy } from '../release/policy.js';
import { RESOLVE_POLICY } from '../resolve/candidates.js';
import { Resolver } from '../resolve/resolver.js';
import type { ImageResolver } from './ports.js';
import { resolverPort } from './resolver-port.js';

/** Options of {@link createRegistryResolver}. */
export interface RegistryResolverOptions {
  /** The client that reads the registries; the caller closes it. */
  client: RegistryClient;
  /** Tag policy file of the repositories (JSON or YAML); default: every rolling level. */
  policyFile?: string;
  /** Distro that tags without a distro stand for; default: every published distro is tried. */
  defaultDistro?: string;
  /** Registry requests in flight at most; default 8. */
  concurrency?: number;
}

/**
 * Creates the {@link ImageResolver} of a pin run: one `Resolver` over the
 * registry client, so each tag list and digest is read once for the whole run.
 *
 * @throws TagPolicyError when the policy file or default distro is invalid.
 */
export async function createRegistryResolver(options: RegistryResolverOptions): Promise<ImageResolver & { resolver: Resolver }> {
  const policy =
    options.policyFile === undefined
      ? await loadPolicy({ policy: RESOLVE_POLICY, defaultDistro: options.defaultDistro })
      : await loadPolicy({ policyFile: options.policyFile, defaultDistro: options.defaultDistro });
  const resolver = new Resolver({
    registry: new ClientRegistry(options.client),
    policy,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  });
  return { ...resolverPort(resolver), resolver };
}
