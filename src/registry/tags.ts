import { isValidTag } from '../grammar.js';
import { tagsPath } from './endpoints.js';
import { InvalidResponseError } from './errors.js';
import { TagList } from './manifest-schemas.js';
import { listAllPages, type PageOptions } from './pagination.js';
import { formatRepository, type Reference } from './reference.js';
import type { RegistryResponse, RegistryTransport } from './transport-types.js';

/**
 * Tag listing (`GET /v2/<name>/tags/list`, OCI distribution-spec v1.1.0,
 * "Listing Tags") across every page.
 */

/** The tags of one repository. */
export interface TagListing {
  /** `registry/repository`. */
  repository: string;
  /** Valid tags, each once, in the order the registry listed them (callers sort). */
  tags: string[];
  /**
   * Entries the registry listed that are not valid OCI tags. They are left
   * out of `tags`, because no request can name them, and kept here so an
   * audit can report them.
   */
  invalidTags: string[];
}

/**
 * Lists every tag of `repository` (a reference whose tag and digest are
 * ignored), following pagination as described in `listAllPages` (pagination.ts).
 * `null` entries and repeats are dropped. A repository the registry does not
 * know is a `NotFoundError` naming it.
 */
export async function listTags(transport: RegistryTransport, repository: Reference, options: PageOptions = {}): Promise<TagListing> {
  const name = formatRepository(repository);
  const entries = await listAllPages(
    transport,
    {
      registry: repository.registry,
      path: tagsPath(repository.repository),
      scopes: [{ repository: repository.repository, actions: ['pull'] }],
      reference: name,
      entries: (document, response) => tagEntries(document, response, name),
    },
    options,
  );

  const tags: string[] = [];
  const invalidTags: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry)) {
      continue;
    }
    seen.add(entry);
    (isValidTag(entry) ? tags : invalidTags).push(entry);
  }
  return { repository: name, tags, invalidTags };
}

function tagEntries(document: unknown, response: RegistryResponse, name: string): Array<string | null> {
  const result = TagList.safeParse(document);
  if (!result.success) {
    throw new InvalidResponseError({
      method: response.method,
      url: response.url,
      status: response.status,
      reference: name,
      code: 'INVALID_TAG_LIST',
      message: `${response.method} ${response.url} returned a tag list for ${name} that is not {"name": ..., "tags": [...]} (${result.error.issues[0]?.message ?? 'invalid'})`,
    });
  }
  return result.data.tags ?? [];
}
