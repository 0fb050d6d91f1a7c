import type { ServerResponse } from 'node:http';

/** Builds an error body in the `errors[]` shape registries use. */
export function errorBody(code: string, message: string): Record<string, unknown> {
  return { errors: [{ code, message }] };
}

/** Sends a JSON body that clients must not cache, or drops the connection when headers are already out. */
export function sendJson(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
}
