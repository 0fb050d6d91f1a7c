/**
 * A fault-injecting HTTP proxy on 127.0.0.1 in front of a test registry or
 * token server. Each request is matched against rules (method, path
 * pattern, which occurrence); a matching request gets the rule's fault
 * instead of, or on top of, the upstream response. Everything else is
 * forwarded unchanged, the `Host` header included, so the registry builds
 * its `Location` headers for the proxy and uploads keep going through it.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ServerStartError } from './errors.js';

/** What a matching request gets. */
export type Fault =
  /** An error status with a registry error body, and `Retry-After` when given. The request never reaches upstream. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** The connection is reset as soon as the request head arrives, before its body is read. Nothing reaches upstream. */
  | { kind: 'reset-before-body' }
  /** The whole request is forwarded and handled upstream, then the connection is reset before the response is sent on. */
  | { kind: 'reset-after-body' }
  /** The upstream response is sent with its full `Content-Length` but only the first half of the body, then the connection is reset. */
  | { kind: 'truncate-body' }
  /** The upstream response is sent with one character of its body changed, so the body no longer matches its digest. */
  | { kind: 'corrupt-body' }
  /** The request waits `delayMs` before it is forwarded, so a client with a shorter time-out gives up. */
  | { kind: 'delay'; delayMs: number }
  /** The request is held until `until` resolves, then forwarded unchanged, to force an order between two clients. */
  | { kind: 'pause'; until: (request: ProxiedRequest) => Promise<void> | void }
  /**
   * `onMatch` runs before the request is forwarded. With `forward: false` the
   * request is then dropped with a reset. With `forward: true` it is applied
   * upstream first and the connection is reset after `onMatch` returns, so
   * the client never receives the response.
   */
  | { kind: 'intercept'; forward: boolean; onMatch: (request: ProxiedRequest) => Promise<void> | void };

/** One rule of the proxy. */
export interface FaultRule {
  /** Name in the counters; default `rule N`. */
  name?: string;
  /** HTTP method to match; any method when unset. */
  method?: string;
  /** Pattern matched against the path with its query, such as `/manifests/[^/?]+$`. */
  path: RegExp;
  /** Matching requests (1 for the first) that get the fault: a number, a list, or 'every'. Default 1. */
  nth?: number | readonly number[] | 'every';
  fault: Fault;
}

/** A request the proxy saw. */
export interface ProxiedRequest {
  method: string;
  /** Path with query. */
  path: string;
  /** Name of the rule whose fault it got, when one did. */
  fault?: string;
}

/** A running proxy. */
export interface FaultProxy {
  /** `127.0.0.1:PORT`, the registry name for references through the proxy. */
  host: string;
  port: number;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly ProxiedRequest[];
  /** Replaces the rules and resets the occurrence counts. */
  setRules(rules: readonly FaultRule[]): void;
  /** Returns how many faults each rule injected, by rule name. */
  injected(): Record<string, number>;
  /** Returns how many requests each rule matched, faulted or not, by rule name. */
  matched(): Record<string, number>;
  /** Closes the proxy and every open connection. */
  stop(): Promise<void>;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Origin requests are forwarded to, such as `http://127.0.0.1:5000`. Plain HTTP only. */
  upstream: string;
  rules?: readonly FaultRule[];
}

/** Response headers that belong to one connection and are not forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

interface RuleState {
  rule: FaultRule;
  name: string;
  matched: number;
  injected: number;
}

/**
 * Starts a proxy on a free port of 127.0.0.1 that forwards to `upstream`.
 *
 * @throws ServerStartError when `upstream` is not a plain-HTTP loopback origin.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(upstream.hostname)) {
    throw new ServerStartError(`fault proxy upstream ${options.upstream} is not a plain-HTTP loopback origin; start the registry without TLS on 127.0.0.1`);
  }

  let states: RuleState[] = [];
  const requests: ProxiedRequest[] = [];
  const setRules = (rules: readonly FaultRule[]) => {
    states = rules.map((rule, index) => ({ rule, name: rule.name ?? `rule ${index + 1}`, matched: 0, injected: 0 }));
  };
  setRules(options.rules ?? []);

  const server = createServer((incoming, outgoing) => {
    const seen: ProxiedRequest = { method: incoming.method ?? 'GET', path: incoming.url ?? '/' };
    requests.push(seen);
    const state = selectFault(states, seen);
    if (state !== undefined) {
      seen.fault = state.name;
    }
    handle(upstream, incoming, outgoing, seen, state?.rule.fault).catch(() => {
      incoming.socket.destroy();
    });
  });
  const port = await listen(server);

  return {
    host: `127.0.0.1:${port}`,
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    setRules,
    injected: () => Object.fromEntries(states.map((state) => [state.name, state.injected])),
    matched: () => Object.fromEntries(states.map((state) => [state.name, state.matched])),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Counts the request against the first rule it matches and returns that rule when this occurrence is faulted. */
function selectFault(states: RuleState[], request: ProxiedRequest): RuleState | undefined {
  const state = states.find(
    ({ rule }) => (rule.method === undefined || rule.method === request.method) && rule.path.test(request.path),
  );
  if (state === undefined) {
    return undefined;
  }
  state.matched += 1;
  const nth = state.rule.nth ?? 1;
  const faulted = nth === 'every' || (typeof nth === 'number' ? nth === state.matched : nth.includes(state.matched));
  if (!faulted) {
    return undefined;
  }
  state.injected += 1;
  return state;
}

async function handle(upstream: URL, incoming: IncomingMessage, outgoing: ServerResponse, seen: ProxiedRequest, fault: Fault | undefined): Promise<void> {
  switch (fault?.kind) {
    case undefined:
      return pipeThrough(upstream, incoming, outgoing);
    case 'status':
      incoming.resume();
      outgoing.writeHead(fault.status, {
        'content-type': 'application/json',
        ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }),
      });
      outgoing.end(JSON.stringify({ errors: [{ code: fault.status === 429 ? 'TOOMANYREQUESTS' : 'UNKNOWN', message: `fault proxy answered ${fault.status}` }] }));
      return;
    case 'reset-before-body':
      incoming.socket.destroy();
      return;
    case 'reset-after-body': {
      const answer = await forward(upstream, incoming);
      answer.resume();
      incoming.socket.destroy();
      return;
    }
    case 'truncate-body': {
      const answer = await forward(upstream, incoming);
      const body = await readAll(answer);
      outgoing.writeHead(answer.statusCode ?? 502, { ...forwardedHeaders(answer), 'content-length': String(body.length) });
      outgoing.write(body.subarray(0, Math.floor(body.length / 2)));
      // Give the half body time to leave before the reset, so the client sees a short body, not a failed request.
      await new Promise((resolve) => setTimeout(resolve, 20));
      incoming.socket.destroy();
      return;
    }
    case 'corrupt-body': {
      const answer = await forward(upstream, incoming);
      const body = corrupt(await readAll(answer));
      outgoing.writeHead(answer.statusCode ?? 502, { ...forwardedHeaders(answer), 'content-length': String(body.length) });
      outgoing.end(body);
      return;
    }
    case 'delay':
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (incoming.socket.destroyed) {
        return;
      }
      return pipeThrough(upstream, incoming, outgoing);
    case 'pause':
      await fault.until(seen);
      return pipeThrough(upstream, incoming, outgoing);
    case 'intercept':
      if (!fault.forward) {
        await fault.onMatch(seen);
        incoming.socket.destroy();
        return;
      }
      {
        const answer = await forward(upstream, incoming);
        answer.resume();
        await new Promise((resolve) => answer.on('end', resolve));
        await fault.onMatch(seen);
        incoming.socket.destroy();
      }
      return;
  }
}

async function pipeThrough(upstream: URL, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  const answer = await forward(upstream, incoming);
  outgoing.writeHead(answer.statusCode ?? 502, forwardedHeaders(answer));
  answer.pipe(outgoing);
}

/** Sends the request upstream, body included, and resolves with the response head. */
function forward(upstream: URL, incoming: IncomingMessage): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers = { ...incoming.headers };
    delete headers.connection;
    delete headers['keep-alive'];
    const outbound = httpRequest(
      { host: upstream.hostname.replace(/^\[|\]$/g, ''), port: upstream.port, method: incoming.method, path: incoming.url, headers },
      resolve,
    );
    outbound.on('error', reject);
    incoming.pipe(outbound);
  });
}

function forwardedHeaders(answer: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) {
      headers[name] = value;
    }
  }
  return headers;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Changes one lower-case hex character from the middle of the body onwards to
 * another one, so JSON stays valid JSON and only the digest shows the
 * difference. A body without such a character gets one bit flipped instead.
 */
export function corrupt(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  if (copy.length === 0) {
    return copy;
  }
  const start = Math.floor(copy.length / 2);
  for (let offset = 0; offset < copy.length; offset += 1) {
    const index = (start + offset) % copy.length;
    const byte = copy[index] as number;
    const isHex = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66);
    if (isHex) {
      copy[index] = byte === 0x30 ? 0x31 : 0x30;
      return copy;
    }
  }
  copy[start] = (copy[start] as number) ^ 0x01;
  return copy;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      resolve((server.address() as AddressInfo).port);
    });
  });
}
