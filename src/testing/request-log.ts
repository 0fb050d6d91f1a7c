/**
 * Query parameters shown in log lines. Values of others, such as the signed
 * `_state` of upload URLs, are replaced, following go-containerregistry's
 * request logging.
 */
const LOGGED_QUERY_PARAMETERS = new Set(['scope', 'service', 'n', 'last', 'digest', 'mount', 'from', 'artifactType']);

/** Returns `path?query` with the values of parameters outside the allow-list replaced by `REDACTED`. */
export function redactedTarget(path: string, query: URLSearchParams): string {
  const parts: string[] = [];
  for (const [name, value] of query) {
    const shown = LOGGED_QUERY_PARAMETERS.has(name) ? value : 'REDACTED';
    parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(shown)}`);
  }
  return parts.length > 0 ? `${path}?${parts.join('&')}` : path;
}

/** Fields of one request log line. */
export interface RequestLogEntry {
  method: string;
  target: string;
  /** 0 when the connection closed before a response. */
  status: number;
  durationMs: number;
  /** The authenticated user, when there is one. */
  user?: string;
}

/** Formats a request log line, such as `PUT /v2/app/manifests/1.0 201 3ms user=ci`. Headers and bodies are never logged. */
export function formatRequestLine(entry: RequestLogEntry): string {
  const status = entry.status === 0 ? 'closed-without-response' : String(entry.status);
  const user = entry.user === undefined ? '' : ` user=${entry.user}`;
  return `${entry.method} ${entry.target} ${status} ${Math.round(entry.durationMs)}ms${user}`;
}
