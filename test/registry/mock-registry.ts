import { MockAgent, type Interceptable } from 'undici';
import { createTransport } from '../../src/registry/transport/index.js';
import type { RegistryTransport } from '../../src/registry/transport-types.js';

/**
 * A strict undici MockAgent for registry quirks a local registry cannot
 * show: no real connection is allowed, unexpected requests fail, and
 * {@link MockRegistry.finish} fails on any interceptor left unused.
 */
export interface MockRegistry {
  /** Registry name to use in references. */
  registry: string;
  /** Origin the transport sends to. */
  origin: string;
  agent: MockAgent;
  /** Interceptors for {@link origin}. */
  pool: Interceptable;
  transport: RegistryTransport;
  /** Asserts every interceptor was used, then closes transport and agent. */
  finish(): Promise<void>;
}

/** Starts a mock registry at `https://registry.example` (or `registry`) with an anonymous transport. */
export function mockRegistry(registry = 'registry.example'): MockRegistry {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const origin = `https://${registry}`;
  const pool = agent.get(new URL(origin).origin);
  const transport = createTransport({
    dispatcher: agent,
    credentials: { get: async () => undefined },
    retry: { maxAttempts: 1 },
    env: {},
  });
  return {
    registry,
    origin,
    agent,
    pool,
    transport,
    async finish() {
      try {
        agent.assertNoPendingInterceptors();
      } finally {
        await transport.close();
        await agent.close();
      }
    },
  };
}

/** Headers of a JSON response. */
export const JSON_HEADERS = { 'content-type': 'application/json' };

/** Builds the OCI error body a registry sends, such as `{"errors":[{"code":"NAME_UNKNOWN",...}]}`. */
export function errorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message }] });
}
