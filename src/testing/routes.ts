/**
 * The endpoints of distribution-spec v1.1.0 that the in-memory registry
 * serves, plus `/token` for its own token authentication.
 */
export type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'token' }
  | { kind: 'tags'; repository: string }
  | { kind: 'manifest'; repository: string; reference: string }
  | { kind: 'blob'; repository: string; digest: string }
  | { kind: 'uploads'; repository: string }
  | { kind: 'upload'; repository: string; id: string }
  | { kind: 'referrers'; repository: string; digest: string };

/** A route that names a repository. */
export type RepositoryRoute = Extract<Route, { repository: string }>;

// Repository names contain slashes, so each pattern takes the longest name
// before the fixed suffix, as Distribution's router does. Uploads come before
// blobs because `blobs/uploads/` would also match a blob digest of `uploads`.
const PATTERNS: Array<[RegExp, (match: RegExpExecArray) => Route]> = [
  [/^\/v2\/?$/, () => ({ kind: 'base' })],
  [/^\/v2\/_catalog$/, () => ({ kind: 'catalog' })],
  [/^\/token$/, () => ({ kind: 'token' })],
  [/^\/v2\/(.+)\/tags\/list$/, (match) => ({ kind: 'tags', repository: group(match, 1) })],
  [
    /^\/v2\/(.+)\/manifests\/([^/]+)$/,
    (match) => ({ kind: 'manifest', repository: group(match, 1), reference: group(match, 2) }),
  ],
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, (match) => ({ kind: 'uploads', repository: group(match, 1) })],
  [
    /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/,
    (match) => ({ kind: 'upload', repository: group(match, 1), id: group(match, 2) }),
  ],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, (match) => ({ kind: 'blob', repository: group(match, 1), digest: group(match, 2) })],
  [
    /^\/v2\/(.+)\/referrers\/([^/]+)$/,
    (match) => ({ kind: 'referrers', repository: group(match, 1), digest: group(match, 2) }),
  ],
];

/**
 * Matches a URL path to a route, or returns undefined when no endpoint has
 * that path. Path segments are percent-decoded, so `sha256%3A…` is a digest;
 * a malformed escape matches no route.
 */
export function matchRoute(path: string): Route | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(decoded);
    if (match) {
      return build(match);
    }
  }
  return undefined;
}

/** Returns true for a route that names a repository. */
export function hasRepository(route: Route): route is RepositoryRoute {
  return 'repository' in route;
}

function group(match: RegExpExecArray, index: number): string {
  return match[index] ?? '';
}
