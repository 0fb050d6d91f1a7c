/**
 * The floors: the same registry requests as tagkeeper's work, sent by a bare
 * undici loop with no parsing, auth, retries or caching, at the same
 * concurrency. tagkeeper cannot be faster than these by more than noise.
 */
import { Pool, type Dispatcher } from 'undici';

import type { RequestCounts } from './counting-dispatcher.js';
import { BenchSetupError } from './errors.js';

/** Accept header of the floors' manifest requests, the media types tagkeeper accepts. */
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** A bare client of one registry origin with a fixed number of requests in flight. */
export class BareRegistry {
  /** Requests sent so far. */
  requests = 0;
  /** Requests sent so far per HTTP method. */
  readonly byMethod: Record<string, number> = {};
  private readonly pool: Pool;
  private readonly dispatcher: Dispatcher;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  /**
   * Creates a client of `origin` (`http://127.0.0.1:PORT`) sending at most
   * `concurrency` requests at once, each with `headers` (such as a bearer token).
   */
  constructor(
    readonly origin: string,
    private readonly concurrency: number,
    private readonly headers: Record<string, string> = {},
  ) {
    this.pool = new Pool(origin, { connections: 16 });
    this.dispatcher = this.pool.compose((dispatch) => (options, handler) => {
      this.requests += 1;
      this.byMethod[options.method] = (this.byMethod[options.method] ?? 0) + 1;
      return dispatch(options, handler);
    });
  }

  /** Sends HEAD for a manifest and returns its `Docker-Content-Digest`. */
  headManifest(repository: string, reference: string): Promise<string> {
    return this.limited(async () => {
      // `reset: false` keeps the connection after a HEAD, as tagkeeper does; undici closes it otherwise.
      const response = await this.dispatcher.request({
        method: 'HEAD',
        path: `/v2/${repository}/manifests/${reference}`,
        headers: { ...this.headers, accept: MANIFEST_ACCEPT },
        reset: false,
      });
      await response.body.dump();
      checkStatus(response.statusCode, 'HEAD', `${repository}:${reference}`);
      return String(response.headers['docker-content-digest'] ?? '');
    });
  }

  /** Lists every tag of `repository` with one GET and no `n`, as Distribution returns the whole list then. */
  listTags(repository: string): Promise<string[]> {
    return this.limited(async () => {
      const response = await this.dispatcher.request({ method: 'GET', path: `/v2/${repository}/tags/list`, headers: this.headers });
      if (response.statusCode !== 200) await response.body.dump();
      checkStatus(response.statusCode, 'GET', `${repository} tags`);
      const listing = (await response.body.json()) as { tags?: string[] | null };
      return listing.tags ?? [];
    });
  }

  /** Returns the requests sent so far, in the form of the counting dispatcher's counts. */
  counts(): RequestCounts {
    return { total: this.requests, byMethod: { ...this.byMethod }, byOrigin: { [this.origin]: this.requests } };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

/** A floor that reads a missing tag measures nothing, so any status but 200 stops the run. */
function checkStatus(status: number, method: string, what: string): void {
  if (status !== 200) throw new BenchSetupError(`${method} ${what} returned ${status} in a floor loop: the generated repository is incomplete`);
}
