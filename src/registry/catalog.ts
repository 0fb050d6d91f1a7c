import { CATALOG_PATH } from './endpoints.js';
import { InvalidResponseError } from './errors.js';
import { RepositoryList } from './manifest-schemas.js';
import { listAllPages, type PageOptions } from './pagination.js';
import { parseRepository } from './reference.js';
import type { RegistryResponse, RegistryTransport } from './transport-types.js';

/**
 * Repository listing through `GET /v2/_catalog`. The endpoint is not part of
 * the OCI distribution-spec; CNCF Distribution, Harbor and Zot serve it,
 * while Docker Hub and GHCR do not.
 */

/** The repositories of one registry. */
export interface RepositoryListing {
  registry: string;
  /** Repository names below the registry, each once, in the order the registry listed them. */
  repositories: string[];
  /** Entries that are not valid repository names; left out of `repositories` so no request is built from them. */
  invalidRepositories: string[];
}

/**
 * Lists every repository of `registry` (a host with optional port), with the
 * pagination rules of `listAllPages` (pagination.ts).
 */
export async function listRepositories(transport: RegistryTransport, registry: string, options: PageOptions = {}): Promise<RepositoryListing> {
  const entries = await listAllPages(
    transport,
    {
      registry,
      path: CATALOG_PATH,
      reference: `${registry} catalog`,
      entries: (document, response) => repositoryEntries(document, response, registry),
    },
    options,
  );

  const repositories: string[] = [];
  const invalidRepositories: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry)) {
      continue;
    }
    seen.add(entry);
    (isRepositoryPath(registry, entry) ? repositories : invalidRepositories).push(entry);
  }
  return { registry, repositories, invalidRepositories };
}

function isRepositoryPath(registry: string, path: string): boolean {
  try {
    return parseRepository(`${registry}/${path}`).repository === path;
  } catch {
    return false;
  }
}

function repositoryEntries(document: unknown, response: RegistryResponse, registry: string): Array<string | null> {
  const result = RepositoryList.safeParse(document);
  if (!result.success) {
    throw new InvalidResponseError({
      method: response.method,
      url: response.url,
      status: response.status,
      reference: registry,
      code: 'INVALID_CATALOG',
      message: `${response.method} ${response.url} returned a catalog that is not {"repositories": [...]} (${result.error.issues[0]?.message ?? 'invalid'})`,
    });
  }
  return result.data.repositories ?? [];
}
