import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

import { ServerStartError } from './errors.js';
import type { ServerProcess } from './processes.js';

/** How {@link waitForRegistry} reaches the registry. */
export interface ReadinessProbe {
  /** Base URL, such as 'http://127.0.0.1:5000'. */
  url: string;
  server: ServerProcess;
  timeoutMs: number;
  /** PEM of the CA that signed the registry's certificate, for HTTPS. */
  caCert?: string;
}

/** Pause between two probes. The registry usually responds within 100 ms of starting (an estimate from local runs). */
const PROBE_INTERVAL_MS = 25;

/**
 * Polls `GET /v2/` until the registry returns 200 (anonymous) or 401 (auth
 * required).
 *
 * @throws ServerStartError with the registry's output when it exits first or
 *   does not respond within `timeoutMs`.
 */
export async function waitForRegistry(probe: ReadinessProbe): Promise<void> {
  const deadline = Date.now() + probe.timeoutMs;
  let exited = false;
  void probe.server.exited.then(() => {
    exited = true;
  });

  let lastProblem = 'no response yet';
  while (Date.now() < deadline) {
    if (exited) {
      throw new ServerStartError(
        `docker-registry exited before serving ${probe.url}/v2/. Its output: ${probe.server.stderr().trim() || '(none)'}`,
      );
    }

    const outcome = await probeOnce(probe);
    if (outcome.status === 200 || outcome.status === 401) return;
    lastProblem = outcome.status === undefined ? outcome.problem : `status ${outcome.status}`;
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }

  throw new ServerStartError(
    `docker-registry did not respond to GET ${probe.url}/v2/ within ${probe.timeoutMs} ms (last probe: ${lastProblem}). ` +
      `Its output: ${probe.server.stderr().trim() || '(none)'}`,
  );
}

function probeOnce(probe: ReadinessProbe): Promise<{ status?: number; problem: string }> {
  const target = new URL('/v2/', probe.url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const request = send(target, { method: 'GET', timeout: 1000, ca: probe.caCert, agent: false }, (response) => {
      response.resume();
      resolve({ status: response.statusCode, problem: '' });
    });
    request.on('timeout', () => request.destroy(new Error('probe timed out after 1000 ms')));
    request.on('error', (error) => resolve({ problem: error.message }));
    request.end();
  });
}
