import type { RegistryClient } from '../registry/client.js';
import type { AuditRegistry } from './ports.js';

/**
 * Largest image config an audit reads. Configs are small JSON documents,
 * usually a few KiB; the cap only stops a wrong digest from pulling a layer
 * into memory.
 */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Implements {@link AuditRegistry} with the registry client. Entries of a tag
 * or repository listing that break the OCI grammar are kept in the lists, so
 * the audit reports them (a foreign tag, an unreachable repository) instead
 * of leaving them out unseen.
 */
export function clientAuditRegistry(client: RegistryClient): AuditRegistry {
  return {
    async listRepositories(registry) {
      const listing = await client.listRepositories(registry);
      return [...listing.repositories, ...listing.invalidRepositories];
    },
    async listTags(repository) {
      const listing = await client.listTags(repository);
      return [...listing.tags, ...listing.invalidTags];
    },
    headManifest: (reference) => client.headManifest(reference),
    async getManifest(reference) {
      const fetched = await client.getManifest(reference);
      return { descriptor: fetched.descriptor, manifest: fetched.manifest };
    },
    getBlob: (repository, digest) => client.readBlob(repository, digest, { maxBytes: MAX_CONFIG_BYTES }),
  };
}
