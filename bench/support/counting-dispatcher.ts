/**
 * An undici dispatcher that counts the HTTP requests passing through it, by
 * method and by origin. Passed as the transport's `dispatcher` option, it
 * sees every request tagkeeper sends, token requests and retries included.
 */
import { Agent, type Dispatcher } from 'undici';

/** Requests counted so far. */
export interface RequestCounts {
  total: number;
  /** Requests per HTTP method, such as `{ HEAD: 1000, GET: 1 }`. */
  byMethod: Record<string, number>;
  /** Requests per origin, such as `{ 'http://127.0.0.1:5000': 1001 }`. */
  byOrigin: Record<string, number>;
  /** Connections opened, when counted: a client that keeps connections alive opens few. */
  connections?: number;
}

/** A counting dispatcher and the counts it keeps. */
export interface CountingDispatcher {
  dispatcher: Dispatcher;
  /** A copy of the counts so far. */
  counts(): RequestCounts;
  /** Sets every count back to zero. */
  reset(): void;
  close(): Promise<void>;
}

/** Returns empty request counts. */
export function emptyCounts(): RequestCounts {
  return { total: 0, byMethod: {}, byOrigin: {} };
}

/** Adds one request to `counts`. */
export function countRequest(counts: RequestCounts, method: string, origin: string): void {
  counts.total += 1;
  counts.byMethod[method] = (counts.byMethod[method] ?? 0) + 1;
  counts.byOrigin[origin] = (counts.byOrigin[origin] ?? 0) + 1;
}

/**
 * Creates an undici `Agent` with `connections` connections per origin (the
 * transport's default is 16) that counts each request it dispatches.
 */
export function createCountingDispatcher(connections = 16): CountingDispatcher {
  const agent = new Agent({ connections });
  let counts = emptyCounts();
  let opened = 0;
  agent.on('connect', () => {
    opened += 1;
  });

  const dispatcher = agent.compose((dispatch) => (options, handler) => {
    countRequest(counts, options.method, String(options.origin ?? ''));
    return dispatch(options, handler);
  });

  return {
    dispatcher,
    counts: () => ({ ...structuredClone(counts), connections: opened }),
    reset: () => {
      counts = emptyCounts();
      opened = 0;
    },
    close: () => agent.close(),
  };
}
