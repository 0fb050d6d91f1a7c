import { Header, MAX_MANIFEST_BYTES, RegistryErrorCode } from '../../registry/wire.js';
import { registryError } from '../errors.js';
import { algorithmOf, digestOf, parseManifestReference, type ManifestReference } from '../grammar.js';
import { acceptedMediaTypes, contentMediaType, readBody, sendBody, sendEmpty, type Exchange } from '../http.js';
import type { StoredManifest } from '../store.js';
import { negotiateManifest } from './accept.js';
import { digestHeaders, matchesETag, methodNotAllowed, requireDeleteEnabled, type RegistryContext } from './context.js';
import { validateManifest } from './manifest-validation.js';

/** Serves `/v2/<name>/manifests/<reference>`: GET, HEAD, PUT and DELETE. */
export async function handleManifest(
  context: RegistryContext,
  exchange: Exchange,
  repository: string,
  rawReference: string,
): Promise<void> {
  const reference = parseReference(rawReference);
  switch (exchange.method) {
    case 'GET':
    case 'HEAD':
      return getManifest(context, exchange, repository, reference);
    case 'PUT':
      return putManifest(context, exchange, repository, reference);
    case 'DELETE':
      return deleteManifest(context, exchange, repository, reference);
    default:
      throw methodNotAllowed(exchange.method, 'GET, HEAD, PUT, DELETE');
  }
}

function getManifest(context: RegistryContext, exchange: Exchange, repository: string, reference: ManifestReference): void {
  const stored =
    reference.kind === 'tag'
      ? context.store.manifestByTag(repository, reference.tag)
      : context.store.manifestByDigest(repository, reference.digest);
  if (!stored) {
    throw registryError(404, RegistryErrorCode.manifestUnknown, undefined, unknownDetail(repository, reference));
  }

  const manifest =
    context.acceptNegotiation === 'distribution'
      ? negotiateManifest(context.store, {
          repository,
          manifest: stored,
          byTag: reference.kind === 'tag',
          accepted: acceptedMediaTypes(exchange.req),
        })
      : stored;

  const headers = { ...digestHeaders(manifest.digest), [Header.contentType]: manifest.mediaType };
  if (matchesETag(exchange.req.headers['if-none-match'], manifest.digest)) {
    exchange.res.writeHead(304, headers);
    exchange.res.end();
    return;
  }
  sendBody(exchange, 200, headers, [manifest.bytes]);
}

/**
 * Stores a manifest after {@link validateManifest}. A PUT by digest must match
 * the body's digest in that algorithm. A PUT by tag stores the manifest under
 * its sha256 digest and moves the tag to it.
 */
async function putManifest(
  context: RegistryContext,
  exchange: Exchange,
  repository: string,
  reference: ManifestReference,
): Promise<void> {
  const body = await readBody(exchange.req, MAX_MANIFEST_BYTES);
  if (body.exceeded) {
    throw registryError(
      413,
      RegistryErrorCode.sizeInvalid,
      `manifest of ${body.size} bytes is larger than the limit of ${MAX_MANIFEST_BYTES} bytes`,
      { size: body.size, limit: MAX_MANIFEST_BYTES },
    );
  }
  if (body.size === 0) {
    throw registryError(400, RegistryErrorCode.manifestInvalid, 'the manifest body is empty');
  }

  const bytes = Buffer.concat(body.chunks);
  const digest = digestOf([bytes], reference.kind === 'digest' ? algorithmOf(reference.digest) : 'sha256');
  if (reference.kind === 'digest' && digest !== reference.digest) {
    throw registryError(
      400,
      RegistryErrorCode.digestInvalid,
      `the manifest body has digest ${digest}, not ${reference.digest} as in the URL`,
      { digest: reference.digest },
    );
  }

  const manifest: StoredManifest = validateManifest(context.store, {
    repository,
    contentType: contentMediaType(exchange.req),
    bytes,
    digest,
  });
  context.store.putManifest(repository, manifest, reference.kind === 'tag' ? reference.tag : undefined);

  const headers: Record<string, string> = {
    [Header.location]: `${exchange.origin}/v2/${repository}/manifests/${digest}`,
    [Header.contentDigest]: digest,
  };
  if (manifest.subject && context.referrersApi) {
    headers[Header.ociSubject] = manifest.subject;
  }
  sendEmpty(exchange, 201, headers);
}

/** Deletes a manifest by digest, with every tag pointing to it, or only the tag when a tag is given (distribution-spec v1.1.0). */
function deleteManifest(context: RegistryContext, exchange: Exchange, repository: string, reference: ManifestReference): void {
  requireDeleteEnabled(context);
  const deleted =
    reference.kind === 'tag'
      ? context.store.deleteTag(repository, reference.tag)
      : context.store.deleteManifest(repository, reference.digest);
  if (!deleted) {
    throw registryError(404, RegistryErrorCode.manifestUnknown, undefined, unknownDetail(repository, reference));
  }
  sendEmpty(exchange, 202);
}

function parseReference(raw: string): ManifestReference {
  const reference = parseManifestReference(raw);
  if (reference.kind !== 'invalid') {
    return reference;
  }
  if (reference.expected === 'digest') {
    throw registryError(
      400,
      RegistryErrorCode.digestInvalid,
      `invalid manifest digest "${raw}"; use sha256:<64 lower-case hex> or sha512:<128 lower-case hex>`,
      { digest: raw },
    );
  }
  throw registryError(
    400,
    RegistryErrorCode.tagInvalid,
    `invalid tag "${raw}"; a tag is 1 to 128 characters of [A-Za-z0-9_.-] and does not start with "." or "-"`,
    { tag: raw },
  );
}

function unknownDetail(repository: string, reference: ManifestReference): Record<string, string> {
  return reference.kind === 'tag' ? { name: repository, tag: reference.tag } : { name: repository, revision: reference.digest };
}

