/**
 * Helpers for the in-memory registry tests: start registries that are closed
 * after each test, send raw HTTP requests with undici, and push small images.
 */
import { createHash } from 'node:crypto';
import { afterEach } from 'vitest';
import { request } from 'undici';

import { MediaType } from '../../src/registry/wire.js';
import { startMemoryRegistry, type MemoryRegistry, type MemoryRegistryOptions } from '../../src/testing/index.js';

const started: MemoryRegistry[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((registry) => registry.close()));
});

/** Starts a registry that is closed after the current test. */
export async function startRegistry(options?: MemoryRegistryOptions): Promise<MemoryRegistry> {
  const registry = await startMemoryRegistry(options);
  started.push(registry);
  return registry;
}

/** A response with its body read. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** Options of {@link send}. */
export interface SendOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Sends one request to `registry` (a path, or an absolute URL from a Location or Link header) and reads the whole reply. */
export async function send(
  registry: { url: string },
  method: string,
  pathOrUrl: string,
  options: SendOptions = {},
): Promise<Reply> {
  const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : `${registry.url}${pathOrUrl}`;
  const response = await request(url, {
    method: method as 'GET',
    headers: options.headers,
    body: options.body,
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, body, text, json };
}

/** Returns a header of a reply as one string. */
export function header(reply: Reply, name: string): string | undefined {
  const value = reply.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Returns the error codes of a registry error body. */
export function errorCodes(reply: Reply): string[] {
  const body = reply.json as { errors?: Array<{ code: string }> } | undefined;
  return body?.errors?.map((entry) => entry.code) ?? [];
}

/** Returns the sha256 digest of `content`. */
export function sha256(content: string | Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/** Returns the sha512 digest of `content`. */
export function sha512(content: string | Buffer): string {
  return `sha512:${createHash('sha512').update(content).digest('hex')}`;
}

/** Uploads `content` as a blob in one POST and returns its digest. */
export async function pushBlob(
  registry: { url: string },
  repository: string,
  content: string | Buffer,
  headers: Record<string, string> = {},
): Promise<string> {
  const digest = sha256(content);
  const reply = await send(registry, 'POST', `/v2/${repository}/blobs/uploads/?digest=${digest}`, {
    body: content,
    headers: { 'content-type': 'application/octet-stream', ...headers },
  });
  if (reply.status !== 201) {
    throw new Error(`blob upload to ${repository} returned ${reply.status}: ${reply.text}`);
  }
  return digest;
}

/** A manifest as pushed: its bytes, digest and media type. */
export interface PushedManifest {
  bytes: Buffer;
  digest: string;
  mediaType: string;
  manifest: Record<string, unknown>;
}

/** Builds an image manifest over a config and one layer that are pushed first. */
export async function pushImage(
  registry: { url: string },
  repository: string,
  reference: string,
  options: { seed?: string; mediaTypes?: 'oci' | 'docker'; subject?: PushedManifest; artifactType?: string; headers?: Record<string, string> } = {},
): Promise<PushedManifest> {
  const seed = options.seed ?? reference;
  const docker = options.mediaTypes === 'docker';
  const headers = options.headers ?? {};
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed }));
  const layer = Buffer.from(`layer of ${seed}`);
  const configDigest = await pushBlob(registry, repository, config, headers);
  const layerDigest = await pushBlob(registry, repository, layer, headers);
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: docker ? MediaType.dockerManifest : MediaType.ociManifest,
    ...(options.artifactType ? { artifactType: options.artifactType } : {}),
    config: { mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig, digest: configDigest, size: config.length },
    layers: [
      { mediaType: docker ? MediaType.dockerLayerTarGzip : MediaType.ociLayerTar, digest: layerDigest, size: layer.length },
    ],
    ...(options.subject
      ? { subject: { mediaType: options.subject.mediaType, digest: options.subject.digest, size: options.subject.bytes.length } }
      : {}),
  };
  return putManifest(registry, repository, reference, manifest, headers);
}

/** Builds an index of `children` (already pushed) for linux/amd64 and linux/arm64 and pushes it. */
export async function pushIndex(
  registry: { url: string },
  repository: string,
  reference: string,
  children: PushedManifest[],
  options: { mediaTypes?: 'oci' | 'docker'; platforms?: Array<{ os: string; architecture: string }> } = {},
): Promise<PushedManifest> {
  const platforms = options.platforms ?? [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' },
  ];
  const manifest = {
    schemaVersion: 2,
    mediaType: options.mediaTypes === 'docker' ? MediaType.dockerManifestList : MediaType.ociIndex,
    manifests: children.map((child, position) => ({
      mediaType: child.mediaType,
      digest: child.digest,
      size: child.bytes.length,
      platform: platforms[position],
    })),
  };
  return putManifest(registry, repository, reference, manifest);
}

/** PUTs `manifest` with its own media type as Content-Type and returns it as pushed. */
export async function putManifest(
  registry: { url: string },
  repository: string,
  reference: string,
  manifest: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<PushedManifest> {
  const bytes = Buffer.from(JSON.stringify(manifest));
  const mediaType = String(manifest.mediaType);
  const reply = await send(registry, 'PUT', `/v2/${repository}/manifests/${reference}`, {
    body: bytes,
    headers: { 'content-type': mediaType, ...headers },
  });
  if (reply.status !== 201) {
    throw new Error(`manifest PUT to ${repository}:${reference} returned ${reply.status}: ${reply.text}`);
  }
  return { bytes, digest: sha256(bytes), mediaType, manifest };
}

/** `Accept` listing every manifest media type, as tagkeeper and skopeo send it. */
export const ACCEPT_ALL_MANIFESTS = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest,
].join(', ');

/** Returns the `Authorization` header for basic credentials. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
