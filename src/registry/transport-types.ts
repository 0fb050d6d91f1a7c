import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

/** Actions a bearer token can grant on a repository (distribution token scope grammar). */
export type ScopeAction = 'pull' | 'push' | 'delete' | '*';

/** Access a request needs, used to ask a token server for the right scope. */
export interface RepositoryScope {
  repository: string;
  actions: ScopeAction[];
}

/** One request to a registry, below its origin. */
export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** A path with query below the registry origin (`/v2/library/etcd/tags/list?n=100`), or an absolute URL taken from a `Location` or `Link` header. */
  url: string;
  /** Access the request needs. Several entries for a cross-repository mount (pull on the source, push on the target). */
  scopes?: RepositoryScope[];
  headers?: Record<string, string>;
  body?: Buffer | string | Readable | AsyncIterable<Uint8Array>;
  /** True when the request may be sent again after a retryable failure; PUT of a manifest and GET/HEAD are, POST and PATCH are not. */
  idempotent?: boolean;
  /** Follows 3xx responses (blob downloads); `Authorization` is only sent to the registry's own origin. */
  followRedirects?: boolean;
  /** The reference the request is about, named in errors. */
  reference?: string;
  signal?: AbortSignal;
}

/** A registry's response. The body must be consumed or destroyed by the caller. */
export interface RegistryResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>;
  body: Readable & { text(): Promise<string>; arrayBuffer(): Promise<ArrayBuffer> };
  /** The URL that sent the response, after redirects, with credentials removed. */
  url: string;
  method: string;
}

/** Connection settings of one registry host. */
export interface RegistryHostOptions {
  /** Plain HTTP is allowed for this host even though it is not a loopback address. */
  insecure?: boolean;
  /** PEM certificates trusted in addition to the system ones. */
  ca?: string | Buffer | Array<string | Buffer>;
}

/** The interface every registry operation sends its requests through. */
export interface RegistryTransport {
  /** Sends `request` to `registry` (a host with optional port, such as `ghcr.io` or `127.0.0.1:5000`), handling auth challenges and retries. */
  request(registry: string, request: RegistryRequest): Promise<RegistryResponse>;
  /** Closes every connection pool. */
  close(): Promise<void>;
}

export type { Dispatcher };
