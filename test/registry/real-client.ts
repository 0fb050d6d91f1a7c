import { RegistryClient } from '../../src/registry/client.js';

/**
 * Creates a client for the loopback test registries: anonymous, with no
 * credential files from the home folder and no proxy settings from the
 * environment.
 */
export function anonymousClient(debug?: (line: string) => void): RegistryClient {
  return new RegistryClient({ credentials: { get: async () => undefined }, env: {}, ...(debug ? { debug } : {}) });
}
