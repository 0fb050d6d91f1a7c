import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import type { RegistryResponse, RegistryTransport } from '../../../src/registry/transport-types.js';
import { MANIFEST_MEDIA_TYPES } from '../../../src/registry/wire.js';

/**
 * The few distribution API calls the transport tests make against a real
 * registry, written out by hand so the tests depend on the transport only.
 */

export function sha256(content: Buffer | string): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/** GETs a manifest by tag or digest and returns the status, bytes and digest header. */
export async function getManifest(
  transport: RegistryTransport,
  registry: string,
  repository: string,
  reference: string,
): Promise<{ status: number; bytes: Buffer; digest: unknown }> {
  const response = await transport.request(registry, {
    method: 'GET',
    url: `/v2/${repository}/manifests/${reference}`,
    headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
    scopes: [{ repository, actions: ['pull'] }],
    reference: `${registry}/${repository}:${reference}`,
  });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  return { status: response.status, bytes, digest: response.headers['docker-content-digest'] };
}

/** Lists the tags of a repository and returns the response, body unread. */
export function listTags(transport: RegistryTransport, registry: string, repository: string): Promise<RegistryResponse> {
  return transport.request(registry, {
    method: 'GET',
    url: `/v2/${repository}/tags/list`,
    scopes: [{ repository, actions: ['pull'] }],
  });
}

/**
 * Uploads `content` as a blob in two steps: POST opens the upload, then
 * PUT with the digest completes it at the registry's `Location`. With
 * `stream`, the content goes as a PATCH with a stream body first.
 */
export async function pushBlob(
  transport: RegistryTransport,
  registry: string,
  repository: string,
  content: Buffer,
  options: { stream?: boolean } = {},
): Promise<{ status: number; digest: string; body: string }> {
  const scopes = [{ repository, actions: ['pull' as const, 'push' as const] }];
  const opened = await transport.request(registry, { method: 'POST', url: `/v2/${repository}/blobs/uploads/`, scopes });
  const openedBody = await opened.body.text();
  if (opened.status !== 202) {
    return { status: opened.status, digest: '', body: openedBody };
  }

  let location = String(opened.headers.location);
  if (options.stream) {
    const patched = await transport.request(registry, {
      method: 'PATCH',
      url: location,
      headers: { 'content-type': 'application/octet-stream' },
      body: Readable.from([content]),
      scopes,
    });
    await patched.body.text();
    location = String(patched.headers.location);
  }

  const digest = sha256(content);
  const separator = location.includes('?') ? '&' : '?';
  const completed = await transport.request(registry, {
    method: 'PUT',
    url: `${location}${separator}digest=${encodeURIComponent(digest)}`,
    headers: { 'content-type': 'application/octet-stream' },
    body: options.stream ? Buffer.alloc(0) : content,
    idempotent: false,
    scopes,
  });
  return { status: completed.status, digest, body: await completed.body.text() };
}
