import { MockAgent } from 'undici';
import type { MockCallHistoryLog } from 'undici';

import type { Credential, CredentialStore } from '../../../src/registry/auth/credentials.js';
import { createTransport } from '../../../src/registry/transport/index.js';
import type { TransportOptions } from '../../../src/registry/transport/index.js';
import type { RegistryTransport } from '../../../src/registry/transport-types.js';

/** A transport whose every request goes to a strict undici `MockAgent`. */
export interface MockedTransport {
  agent: MockAgent;
  transport: RegistryTransport;
  /** Debug lines the transport wrote. */
  lines: string[];
  /** Requests the mock received, in order. */
  calls(): MockCallHistoryLog[];
  /** Fails when an interceptor was not used, then closes everything. */
  finish(): Promise<void>;
}

/**
 * Creates a transport on a `MockAgent` that rejects any request without an
 * interceptor (`disableNetConnect`) and records every request. Retries wait
 * at most a few milliseconds.
 */
export function mockTransport(options: TransportOptions = {}): MockedTransport {
  const agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  const lines: string[] = [];
  const transport = createTransport({
    credentials: staticCredentials({}),
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
    dispatcher: agent,
    debug: (line) => lines.push(line),
    env: options.env ?? {},
  });

  return {
    agent,
    transport,
    lines,
    calls: () => agent.getCallHistory()?.calls() ?? [],
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

/** Creates a credential store with fixed entries keyed by registry name. */
export function staticCredentials(entries: Record<string, Credential>): CredentialStore & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    lookups,
    async get(registry: string) {
      lookups.push(registry);
      return entries[registry];
    },
  };
}

/** Returns the search parameter `name` of a mock path, all values in order. */
export function queryValues(path: string, name: string): string[] {
  return new URL(path, 'https://placeholder.invalid').searchParams.getAll(name);
}

/** Returns the `authorization` header a recorded request carried. */
export function authorizationOf(call: MockCallHistoryLog): string | undefined {
  const headers = call.headers ?? {};
  const value = (headers as Record<string, string | string[]>).authorization;
  return Array.isArray(value) ? value[0] : value;
}

/** Builds a bearer challenge header as registries send it. */
export function bearerChallenge(realm: string, service: string, scope?: string): string {
  return `Bearer realm="${realm}",service="${service}"${scope === undefined ? '' : `,scope="${scope}"`}`;
}

/** Builds the value of a Basic `Authorization` header for a username and password. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
