import { TAG_PATTERN } from '../grammar.js';
import { InvalidDigestError, parseDigest } from './digest.js';
import { InvalidReferenceError } from './errors.js';

/**
 * Image references: `[registry/]repository[:tag][@digest]`, parsed and
 * normalised the way Docker does (github.com/distribution/reference v0.6.0,
 * normalize.go and regexp.go):
 *
 * ```
 * reference  := name [ ":" tag ] [ "@" digest ]
 * name       := [registry "/"] path
 * registry   := host [ ":" port ]
 * host       := domain-name | IPv4 address | "[" IPv6 address "]"
 * path       := component [ "/" component ]*
 * component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 * tag        := [A-Za-z0-9_][A-Za-z0-9._-]{0,127}
 * ```
 *
 * The first path component is a registry when it contains `.` or `:`, is
 * `localhost`, or has upper-case letters. Otherwise the registry is
 * `docker.io`, and there a one-component path gets the `library/` prefix.
 */

/** Registry of references that name none. */
export const DEFAULT_REGISTRY = 'docker.io';

/** Tag used when a reference has neither tag nor digest. */
export const DEFAULT_TAG = 'latest';

/** Maximum length of `registry/repository`, as in Docker's reference package. */
export const MAX_NAME_LENGTH = 255;

/** A parsed, normalised image reference. */
export interface Reference {
  /** Registry host with optional port, lower-case: `docker.io`, `ghcr.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  registry: string;
  /** Repository path below the registry: `library/etcd`, `bitnami/etcd`. */
  repository: string;
  tag?: string;
  digest?: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])';
const HOST = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9A-Fa-f:.]+\\])(?::([0-9]+))?$`);
const IMAGE_ID = /^[a-f0-9]{64}$/;

/**
 * Parses and normalises `input`: `etcd:3` becomes
 * `{ registry: 'docker.io', repository: 'library/etcd', tag: '3' }`.
 * Throws {@link InvalidReferenceError} naming the input and what is wrong.
 */
export function parseReference(input: string): Reference {
  if (input.length === 0) {
    throw new InvalidReferenceError(input, 'the reference is empty');
  }
  if (IMAGE_ID.test(input)) {
    throw new InvalidReferenceError(input, 'a 64-character hex string is an image ID, not a repository; write REPOSITORY@sha256:ID');
  }

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = parseDigestPart(input, rest.slice(at + 1));
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    validateTagPart(input, tag);
  }

  const { registry, repository } = parseName(input, rest);
  return { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/**
 * Parses a repository name such as `bitnami/etcd` or `127.0.0.1:5000/app`,
 * which must carry no tag or digest. Returns a {@link Reference} without them.
 */
export function parseRepository(input: string): Reference {
  const reference = parseReference(input);
  if (reference.tag !== undefined || reference.digest !== undefined) {
    throw new InvalidReferenceError(input, 'a repository takes no tag or digest; remove the ":TAG" or "@DIGEST" part');
  }
  return reference;
}

/**
 * Returns `input` as a validated, normalised {@link Reference}. Objects are
 * checked by formatting and parsing them again, so a hand-built reference
 * with an invalid field fails here rather than in a URL.
 */
export function toReference(input: Reference | string): Reference {
  return typeof input === 'string' ? parseReference(input) : parseReference(formatReference(input));
}

/** Returns `input` as a validated repository reference, with no tag or digest. */
export function toRepository(input: Reference | string): Reference {
  return typeof input === 'string' ? parseRepository(input) : parseRepository(formatRepository(input));
}

/**
 * Validates a registry name (`ghcr.io`, `127.0.0.1:5000`, `[::1]:5000`) and
 * returns it lower-case, with `index.docker.io` as `docker.io`.
 */
export function parseRegistry(input: string): string {
  return normaliseRegistry(input, input);
}

/** Formats a reference in full: `docker.io/library/etcd:3@sha256:…`. */
export function formatReference(reference: Reference): string {
  const tag = reference.tag === undefined ? '' : `:${reference.tag}`;
  const digest = reference.digest === undefined ? '' : `@${reference.digest}`;
  return `${formatRepository(reference)}${tag}${digest}`;
}

/** Formats `registry/repository` without tag or digest. */
export function formatRepository(reference: Pick<Reference, 'registry' | 'repository'>): string {
  return `${reference.registry}/${reference.repository}`;
}

/**
 * Formats a reference the short way Docker prints it: without `docker.io/`,
 * and without `library/` for official images (`etcd:3`).
 */
export function familiarName(reference: Reference): string {
  const full = formatReference(reference);
  if (reference.registry !== DEFAULT_REGISTRY) {
    return full;
  }
  const path = full.slice(DEFAULT_REGISTRY.length + 1);
  const library = 'library/';
  return path.startsWith(library) && !reference.repository.slice(library.length).includes('/') ? path.slice(library.length) : path;
}

/** Returns a copy of `reference` with `tag` and without a digest. */
export function withTag(reference: Reference, tag: string): Reference {
  validateTagPart(`${formatRepository(reference)}:${tag}`, tag);
  return { registry: reference.registry, repository: reference.repository, tag };
}

/** Returns a copy of `reference` with `digest`, keeping its tag so it reads `repository:tag@digest`. */
export function withDigest(reference: Reference, digest: string): Reference {
  const referenceText = `${formatRepository(reference)}@${digest}`;
  return { ...reference, digest: parseDigestPart(referenceText, digest) };
}

/**
 * Returns what a manifest URL ends with for `reference`: the digest when it
 * has one (the tag is then only a label), else the tag, else `latest`.
 */
export function manifestIdentifier(reference: Reference): string {
  return reference.digest ?? reference.tag ?? DEFAULT_TAG;
}

function parseDigestPart(input: string, digest: string): string {
  try {
    parseDigest(digest);
    return digest;
  } catch (error) {
    if (error instanceof InvalidDigestError) {
      throw new InvalidReferenceError(input, error.reason);
    }
    throw error;
  }
}

function validateTagPart(input: string, tag: string): void {
  if (tag.length === 0) {
    throw new InvalidReferenceError(input, 'the tag after ":" is empty');
  }
  if (tag.length > 128) {
    throw new InvalidReferenceError(input, `the tag has ${tag.length} characters, the maximum is 128`);
  }
  if (!TAG_PATTERN.test(tag)) {
    throw new InvalidReferenceError(
      input,
      `the tag "${tag}" is invalid: it must start with a letter, digit or "_" and contain only letters, digits, "_", "." and "-"`,
    );
  }
}

function parseName(input: string, name: string): Pick<Reference, 'registry' | 'repository'> {
  let registry = DEFAULT_REGISTRY;
  let path = name;
  const slash = name.indexOf('/');
  if (slash !== -1) {
    const first = name.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase()) {
      registry = normaliseRegistry(input, first);
      path = name.slice(slash + 1);
    }
  }
  if (registry === DEFAULT_REGISTRY && !path.includes('/')) {
    path = `library/${path}`;
  }

  validatePath(input, path);
  const length = registry.length + 1 + path.length;
  if (length > MAX_NAME_LENGTH) {
    throw new InvalidReferenceError(input, `the name ${registry}/${path.slice(0, 40)}… has ${length} characters, the maximum is ${MAX_NAME_LENGTH}`);
  }
  return { registry, repository: path };
}

function normaliseRegistry(input: string, host: string): string {
  const match = HOST.exec(host);
  if (!match) {
    throw new InvalidReferenceError(input, `the registry "${host}" is not a valid host name, IPv4 address or [IPv6] address with optional :port`);
  }
  const port = match[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535 || port.length > 5)) {
    throw new InvalidReferenceError(input, `the registry port ${port} is out of range 1-65535`);
  }
  const lower = host.toLowerCase();
  // Docker's own alias for Docker Hub.
  return lower === 'index.docker.io' ? DEFAULT_REGISTRY : lower;
}

function validatePath(input: string, path: string): void {
  if (path.length === 0) {
    throw new InvalidReferenceError(input, 'the repository name is empty');
  }
  for (const component of path.split('/')) {
    if (component.length === 0) {
      throw new InvalidReferenceError(input, 'the repository has an empty path component ("//" or a leading or trailing "/")');
    }
    if (PATH_COMPONENT.test(component)) {
      continue;
    }
    if (PATH_COMPONENT.test(component.toLowerCase())) {
      throw new InvalidReferenceError(input, `the repository must be lower-case, "${component}" is not`);
    }
    throw new InvalidReferenceError(
      input,
      `the repository path component "${component}" is invalid: use lower-case letters and digits, separated by ".", "_", "__" or "-"`,
    );
  }
}
