import { afterAll, beforeAll } from 'vitest';

import { RegistryNotRunningError } from './errors.js';
import { startDistribution, type Distribution, type DistributionOptions } from './distribution.js';

/**
 * Starts one registry for the enclosing suite in `beforeAll` and stops it in
 * `afterAll`. Returns a getter, because the registry exists only once the
 * hook has run:
 *
 * ```ts
 * const registry = useDistribution({ auth: 'htpasswd' });
 * it('lists tags', async () => {
 *   await pushImage(image, registry(), 'app:1');
 * });
 * ```
 */
export function useDistribution(options?: DistributionOptions): () => Distribution {
  let registry: Distribution | undefined;

  beforeAll(async () => {
    registry = await startDistribution(options);
  });

  afterAll(async () => {
    await registry?.stop();
    registry = undefined;
  });

  return () => {
    if (registry === undefined) {
      throw new RegistryNotRunningError(
        'the registry is not running: call the getter inside a test or a hook that runs after beforeAll, not at suite level',
      );
    }
    return registry;
  };
}
