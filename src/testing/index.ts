/**
 * Test helpers for users of tagkeeper: an in-memory OCI registry server.
 *
 * @packageDocumentation
 */
export { startMemoryRegistry, DEFAULT_TOKEN_SERVICE } from './server.js';
export { MemoryRegistryOptionError } from './errors.js';
export type {
  BasicAuthOptions,
  FaultAction,
  FaultHook,
  FaultRequest,
  MemoryRegistry,
  MemoryRegistryOptions,
  RepositoryAction,
  RequestRecord,
  TokenAuthOptions,
} from './options.js';
