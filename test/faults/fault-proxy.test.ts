/**
 * The fault proxy itself, in front of a small loopback server: each fault
 * reaches the client as described, only the chosen occurrences are faulted,
 * and the counters show what was injected.
 */
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { corrupt, startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.js';

const BODY = Buffer.from(JSON.stringify({ digest: `sha256:${'ab'.repeat(32)}`, tags: ['1', '2', '3'] }));

let upstream: Server;
let upstreamUrl: string;
const received: string[] = [];
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  upstream = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      received.push(`${incoming.method} ${incoming.url} ${Buffer.concat(chunks).toString()}`);
      outgoing.writeHead(200, { 'content-type': 'application/json', 'x-host': incoming.headers.host ?? '' });
      outgoing.end(BODY);
    });
  });
  await new Promise<void>((resolve) => upstream.listen({ host: '127.0.0.1', port: 0 }, resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  received.length = 0;
});

afterAll(async () => {
  await new Promise((resolve) => upstream.close(resolve));
});

interface Outcome {
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
  body?: Buffer;
  error?: string;
}

/** Sends one request through the proxy on a fresh connection and reports what came back. */
function send(method: string, path: string, body?: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const outgoing = request(`${proxy?.url}${path}`, { method, agent: false }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => resolve({ status: answer.statusCode, headers: answer.headers, body: Buffer.concat(chunks) }));
      answer.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ status: answer.statusCode, body: Buffer.concat(chunks), error: error.code ?? error.message }),
      );
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    outgoing.end(body);
  });
}

async function withRules(...rules: FaultRule[]): Promise<void> {
  proxy = await startFaultProxy({ upstream: upstreamUrl, rules });
}

describe('fault proxy', () => {
  it('forwards unmatched requests with their host header', async () => {
    await withRules();

    const outcome = await send('PUT', '/v2/app/manifests/1', 'payload');

    expect(outcome.status).toBe(200);
    expect(outcome.body).toEqual(BODY);
    expect(outcome.headers?.['x-host']).toBe(proxy?.host);
    expect(received).toEqual(['PUT /v2/app/manifests/1 payload']);
  });

  it.each([
    { status: 429, retryAfter: '3' },
    { status: 429, retryAfter: undefined },
    { status: 500, retryAfter: undefined },
    { status: 502, retryAfter: undefined },
    { status: 503, retryAfter: undefined },
  ])('answers $status with Retry-After $retryAfter without upstream', async ({ status, retryAfter }) => {
    await withRules({ name: 'status', path: /manifests/, fault: { kind: 'status', status, ...(retryAfter === undefined ? {} : { retryAfter }) } });

    const outcome = await send('GET', '/v2/app/manifests/1');

    expect(outcome.status).toBe(status);
    expect(outcome.headers?.['retry-after']).toBe(retryAfter);
    expect(JSON.parse(outcome.body?.toString() ?? '')).toMatchObject({ errors: [{ code: status === 429 ? 'TOOMANYREQUESTS' : 'UNKNOWN' }] });
    expect(received).toEqual([]);
    expect(proxy?.injected()).toEqual({ status: 1 });
  });

  it('resets before the body reaches upstream', async () => {
    await withRules({ path: /manifests/, fault: { kind: 'reset-before-body' } });

    const outcome = await send('PUT', '/v2/app/manifests/1', 'payload');

    expect(outcome.error).toBe('ECONNRESET');
    expect(received).toEqual([]);
  });

  it('resets after upstream applied the request', async () => {
    await withRules({ path: /manifests/, fault: { kind: 'reset-after-body' } });

    const outcome = await send('PUT', '/v2/app/manifests/1', 'payload');

    expect(outcome.error).toBe('ECONNRESET');
    expect(received).toEqual(['PUT /v2/app/manifests/1 payload']);
  });

  it('truncates the body under its full length', async () => {
    await withRules({ path: /manifests/, fault: { kind: 'truncate-body' } });

    const outcome = await send('GET', '/v2/app/manifests/1');

    expect(outcome.status).toBe(200);
    expect(outcome.error).toBe('ECONNRESET');
    expect(outcome.body?.length).toBeLessThan(BODY.length);
  });

  it('corrupts one character so the digest changes', async () => {
    await withRules({ path: /manifests/, fault: { kind: 'corrupt-body' } });

    const outcome = await send('GET', '/v2/app/manifests/1');
    const digest = (bytes: Buffer | undefined) => createHash('sha256').update(bytes ?? Buffer.alloc(0)).digest('hex');

    expect(outcome.body?.length).toBe(BODY.length);
    expect(digest(outcome.body)).not.toBe(digest(BODY));
    expect(() => JSON.parse(outcome.body?.toString() ?? '') as unknown).not.toThrow();
  });

  it.each([
    { name: 'hex text', input: Buffer.from('xx1xx'), changed: 2 },
    { name: 'no hex character', input: Buffer.from('zzz'), changed: 1 },
  ])('corrupt changes one byte of $name', ({ input, changed }) => {
    const output = corrupt(input);

    expect(output.length).toBe(input.length);
    expect([...output].filter((byte, index) => byte !== input[index])).toHaveLength(1);
    expect(output[changed]).not.toBe(input[changed]);
  });

  it('delays the answer by the given time', async () => {
    await withRules({ path: /manifests/, fault: { kind: 'delay', delayMs: 300 } });

    const started = performance.now();
    const outcome = await send('GET', '/v2/app/manifests/1');

    expect(outcome.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('faults only the chosen occurrences of matching requests', async () => {
    await withRules(
      { name: 'second put', method: 'PUT', path: /manifests/, nth: [2, 4], fault: { kind: 'status', status: 503 } },
      { name: 'every tag list', path: /tags\/list/, nth: 'every', fault: { kind: 'status', status: 500 } },
    );

    const statuses: Array<number | undefined> = [];
    for (let index = 0; index < 4; index += 1) {
      statuses.push((await send('PUT', `/v2/app/manifests/${index}`, 'x')).status);
    }
    statuses.push((await send('GET', '/v2/app/manifests/0')).status);
    statuses.push((await send('GET', '/v2/app/tags/list')).status);

    expect(statuses).toEqual([200, 503, 200, 503, 200, 500]);
    expect(proxy?.injected()).toEqual({ 'second put': 2, 'every tag list': 1 });
    expect(proxy?.matched()).toEqual({ 'second put': 4, 'every tag list': 1 });
    expect(proxy?.requests.map((seen) => seen.fault)).toEqual([undefined, 'second put', undefined, 'second put', undefined, 'every tag list']);
  });

  it.each([
    { forward: false, upstreamSees: [] },
    { forward: true, upstreamSees: ['PUT /v2/app/manifests/1 payload'] },
  ])('intercept with forward $forward calls back then resets', async ({ forward, upstreamSees }) => {
    const calls: string[] = [];
    await withRules({ path: /manifests/, fault: { kind: 'intercept', forward, onMatch: (seen) => void calls.push(`${seen.method} ${seen.path}`) } });

    const outcome = await send('PUT', '/v2/app/manifests/1', 'payload');

    expect(outcome.error).toBe('ECONNRESET');
    expect(calls).toEqual(['PUT /v2/app/manifests/1']);
    expect(received).toEqual(upstreamSees);
  });

  it('rejects an upstream that is not plain-HTTP loopback', async () => {
    await expect(startFaultProxy({ upstream: 'http://192.0.2.1:5000' })).rejects.toThrow('is not a plain-HTTP loopback origin');
    await expect(startFaultProxy({ upstream: 'https://127.0.0.1:5000' })).rejects.toThrow('is not a plain-HTTP loopback origin');
  });
});
