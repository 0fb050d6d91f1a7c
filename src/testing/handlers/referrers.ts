import { Header, MediaType, OCI_FILTERS_APPLIED_HEADER } from '../../registry/wire.js';
import { sendBody, sendJson, type Exchange } from '../http.js';
import { methodNotAllowed, requireValidDigest, type RegistryContext } from './context.js';

/**
 * Serves `GET /v2/<name>/referrers/<digest>?artifactType=`: an OCI image index
 * of the manifests whose `subject` is `digest`. The spec forbids a 404 here,
 * so an unknown repository or subject gets an empty index. With the referrers
 * API disabled, the route responds like a registry without it, with a plain 404.
 */
export function handleReferrers(context: RegistryContext, exchange: Exchange, repository: string, digest: string): void {
  if (!context.referrersApi) {
    sendBody(exchange, 404, { [Header.contentType]: 'text/plain; charset=utf-8' }, [Buffer.from('404 page not found\n')]);
    return;
  }
  if (exchange.method !== 'GET' && exchange.method !== 'HEAD') {
    throw methodNotAllowed(exchange.method, 'GET');
  }
  requireValidDigest(digest, 'subject');

  const artifactType = exchange.query.get('artifactType');
  const manifests = context.store
    .referrers(repository, digest)
    .filter((manifest) => !artifactType || manifest.artifactType === artifactType)
    .map((manifest) => ({
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.bytes.length,
      ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
      ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
    }));

  // TODO: the listing is one page; distribution-spec v1.1.0 allows a Link header to page large referrer sets.
  const headers: Record<string, string> = { [Header.contentType]: MediaType.ociIndex };
  if (artifactType) {
    headers[OCI_FILTERS_APPLIED_HEADER] = 'artifactType';
  }
  sendJson(exchange, 200, { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }, headers);
}
