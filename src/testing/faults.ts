import { setTimeout as delay } from 'node:timers/promises';
import { Header, RegistryErrorCode } from '../registry/wire.js';
import { RegistryErrorResponse } from './errors.js';
import { sendBody, sendError, type Exchange } from './http.js';
import type { FaultAction, FaultHook, FaultRequest } from './options.js';

/** Next step of the dispatcher after a fault: stop because the fault sent the response, or handle the request. */
export type FaultOutcome = 'responded' | 'continue';

/**
 * Runs the fault hook for one request and applies its action. A reset
 * destroys the socket with a TCP RST where Node supports it, so the client
 * sees ECONNRESET rather than a clean close.
 */
export async function applyFault(hook: FaultHook, request: FaultRequest, exchange: Exchange): Promise<FaultOutcome> {
  const action: FaultAction | undefined = await hook(request);
  if (action === undefined) {
    return 'continue';
  }

  if ('reset' in action) {
    const socket = exchange.req.socket;
    if (typeof socket.resetAndDestroy === 'function') {
      socket.resetAndDestroy();
    } else {
      socket.destroy();
    }
    return 'responded';
  }
  if ('delayMs' in action) {
    await delay(action.delayMs);
    return 'continue';
  }
  if ('truncateBodyAfter' in action) {
    exchange.truncateBodyAfter = action.truncateBodyAfter;
    return 'continue';
  }

  sendFaultResponse(exchange, action);
  return 'responded';
}

function sendFaultResponse(
  exchange: Exchange,
  action: { status: number; headers?: Record<string, string>; body?: string | Buffer | object },
): void {
  const headers = action.headers ?? {};
  if (action.body === undefined) {
    if (action.status >= 400) {
      const code = action.status === 429 ? RegistryErrorCode.tooManyRequests : RegistryErrorCode.unknown;
      sendError(exchange, new RegistryErrorResponse(action.status, { code, message: `fault injected: HTTP ${action.status}` }, headers));
    } else {
      sendBody(exchange, action.status, headers, []);
    }
    return;
  }

  if (Buffer.isBuffer(action.body) || typeof action.body === 'string') {
    const body = Buffer.isBuffer(action.body) ? action.body : Buffer.from(action.body);
    sendBody(exchange, action.status, { [Header.contentType]: 'text/plain; charset=utf-8', ...headers }, [body]);
    return;
  }
  const json = Buffer.from(JSON.stringify(action.body));
  sendBody(exchange, action.status, { [Header.contentType]: 'application/json; charset=utf-8', ...headers }, [json]);
}
