/**
 * Resolve: rolling references to the digest they point to and the immutable
 * tag with that digest.
 *
 * @packageDocumentation
 */
export { RESOLVE_POLICY, candidatesFor, resolvePolicy, type Candidates } from './candidates.js';
export { ReferenceNotFoundError } from './errors.js';
export type { ResolveRegistry } from './ports.js';
export { resolve, resolvedToJson, type ResolveAllOptions, type ResolvedReferenceJson } from './resolve.js';
export {
  Resolver,
  type ReferenceKind,
  type ResolvedReference,
  type ResolveOptions,
  type ResolverOptions,
  type ResolverRequestCounts,
} from './resolver.js';
