import type { Document, Scalar, YAMLMap } from 'yaml';
import { isScalar } from 'yaml';
import { isTagkeeperError } from '../errors.js';
import { parseDigest } from '../registry/digest.js';
import { parseReference, parseRepository, type Reference } from '../registry/reference.js';
import { isValidTag } from '../grammar.js';
import { DIGEST_KEY, REGISTRY_KEY, type BlockShape } from './image-shapes.js';
import type { BlockSlots, FoundImage, ValueSlot } from './model.js';
import { readScalar } from './scalar-values.js';
import { findPair, formatPath, isFlowCollection, resolveNode, type PathSegment } from './yaml-tree.js';

/** The place an image was found, shared by the block and string readers. */
export interface ImageSite {
  file: string;
  document: Document.Parsed;
  documentIndex: number;
  segments: PathSegment[];
  line: number;
}

/** `global.imageRegistry` of a document, as read. */
export type GlobalRegistry = { kind: 'none' } | { kind: 'text'; text: string } | { kind: 'templated'; text: string };

type Problem = NonNullable<FoundImage['problem']>;

/** Builds the {@link ValueSlot} of key `key` of `map`, or undefined when the key is absent. */
export function slotOf(document: Document.Parsed, map: YAMLMap, key: string, segments: PathSegment[]): ValueSlot | undefined {
  const found = findPair(document, map, key);
  if (!found) {
    return undefined;
  }
  const node = resolveNode(document, found.pair.value);
  return {
    key,
    pair: found.pair,
    owner: found.owner,
    node: isScalar(node) ? (node as Scalar) : undefined,
    path: formatPath([...segments, key]),
    flow: isFlowCollection(found.owner),
  };
}

/**
 * Reads an image block as the reference `registry/repository:tag@digest`.
 * The registry is `global.imageRegistry` when it is set and the block has a
 * `registry` key, as in Bitnami's `common.images.image` helper. Otherwise it
 * is the block's `registry`.
 */
export function readBlockImage(site: ImageSite, map: YAMLMap, shape: BlockShape, globalRegistry: GlobalRegistry): FoundImage {
  const { document, segments } = site;
  const repository = slotOf(document, map, shape.repositoryKey, segments);
  if (repository === undefined) {
    throw new Error(`image block at ${formatPath(segments)} has no ${shape.repositoryKey} key`);
  }
  const block: BlockSlots = {
    map,
    segments,
    repository,
    registry: slotOf(document, map, REGISTRY_KEY, segments),
    tag: shape.tagKey === undefined ? undefined : slotOf(document, map, shape.tagKey, segments),
    digest: shape.hasDigestKey ? slotOf(document, map, DIGEST_KEY, segments) : undefined,
    digestInTag: false,
  };
  // The `image: repo` + sibling `tag:` shape is named after its repository key.
  const path = formatPath(shape.repositoryKey === 'image' ? [...segments, 'image'] : segments);
  const base = { ...siteFields(site), path, shape: 'block' as const, implicitTag: false, block, string: undefined };

  const fields = readBlockFields(block, globalRegistry);
  if ('problem' in fields) {
    return { ...base, written: fields.written, reference: undefined, problem: fields.problem };
  }
  block.digestInTag = fields.digestInTag;
  const parsed = composeReference(fields.name, fields.tag, fields.digest);
  if ('problem' in parsed) {
    return { ...base, written: fields.written, reference: undefined, problem: parsed.problem };
  }
  return { ...base, written: fields.written, reference: parsed.reference, problem: undefined };
}

/** Reads an image string such as `nginx:1.25-alpine` or `quay.io/org/app@sha256:…`. */
export function readStringImage(site: ImageSite, slot: ValueSlot, text: string): FoundImage {
  const digestAt = text.indexOf('@');
  const withoutDigest = digestAt === -1 ? text : text.slice(0, digestAt);
  const colon = withoutDigest.lastIndexOf(':');
  const name = colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
  const base = {
    ...siteFields(site),
    path: slot.path,
    shape: 'string' as const,
    written: text,
    block: undefined,
    string: { slot, name },
  };

  try {
    const parsed = parseReference(text);
    const implicitTag = parsed.tag === undefined && parsed.digest === undefined;
    const reference = implicitTag ? { ...parsed, tag: 'latest' } : parsed;
    return { ...base, implicitTag, reference, problem: undefined };
  } catch (error) {
    return { ...base, implicitTag: false, reference: undefined, problem: problemFrom(error) };
  }
}

/** Builds the report of an image whose value Helm renders from a template. */
export function templatedImage(site: ImageSite, path: string, written: string, shape: 'block' | 'string'): FoundImage {
  return {
    ...siteFields(site),
    path,
    shape,
    written,
    reference: undefined,
    implicitTag: false,
    problem: { status: 'skipped', reason: `the value ${written} is a template that Helm renders; pin the values it reads instead` },
    block: undefined,
    string: undefined,
  };
}

/** Builds the report of a block under an image key that sets a tag or digest but no repository. */
export function partialImage(site: ImageSite, written: string): FoundImage {
  return {
    ...siteFields(site),
    path: formatPath(site.segments),
    shape: 'block',
    written,
    reference: undefined,
    implicitTag: false,
    problem: {
      status: 'skipped',
      reason: 'the block sets a tag or digest but no repository, which comes from the chart defaults; pin the chart values that name the repository',
    },
    block: undefined,
    string: undefined,
  };
}

type BlockFields =
  | { written: string; name: string; tag: string | undefined; digest: string | undefined; digestInTag: boolean }
  | { written: string; problem: Problem };

function readBlockFields(block: BlockSlots, globalRegistry: GlobalRegistry): BlockFields {
  const repository = readScalar(block.repository.node, block.repository.key);
  const registry = block.registry === undefined ? { kind: 'empty' as const } : readScalar(block.registry.node, 'registry');
  const tag = block.tag === undefined ? { kind: 'empty' as const } : readScalar(block.tag.node, block.tag.key);
  const digest = block.digest === undefined ? { kind: 'empty' as const } : readScalar(block.digest.node, 'digest');

  // Bitnami's helper replaces the block's registry with global.imageRegistry when that is set.
  const registryText =
    block.registry !== undefined && globalRegistry.kind !== 'none'
      ? { kind: globalRegistry.kind, text: globalRegistry.text }
      : registry;
  const show = (read: typeof tag) => ('text' in read ? read.text : '');
  const registryShown = show(registryText);
  const written =
    `${registryShown === '' ? '' : `${registryShown}/`}${show(repository)}` +
    `${show(tag) === '' ? '' : `:${show(tag)}`}${show(digest) === '' ? '' : `@${show(digest)}`}`;

  for (const read of [repository, registryText, tag, digest]) {
    if (read.kind === 'templated') {
      return { written, problem: { status: 'skipped', reason: `the value ${read.text} is a template that Helm renders; pin the values it reads instead` } };
    }
    if (read.kind === 'invalid') {
      return { written, problem: { status: 'unpinned', reason: read.reason } };
    }
  }

  let tagText = tag.kind === 'text' ? tag.text : undefined;
  let digestText = digest.kind === 'text' ? digest.text : undefined;
  let digestInTag = false;
  const at = tagText?.indexOf('@') ?? -1;
  if (tagText !== undefined && at !== -1) {
    const inTag = tagText.slice(at + 1);
    if (digestText !== undefined && digestText !== inTag) {
      return { written, problem: { status: 'unpinned', reason: `the tag holds digest ${inTag} but the digest key holds ${digestText}; keep one` } };
    }
    digestText = inTag;
    tagText = tagText.slice(0, at);
    digestInTag = true;
  }
  if (tagText === undefined && digestText === undefined) {
    return {
      written,
      problem: { status: 'skipped', reason: 'the tag is empty, so the chart uses its appVersion; set a tag to pin it' },
    };
  }

  const repositoryText = repository.kind === 'text' ? repository.text : '';
  const name = registryShown === '' ? repositoryText : `${registryShown}/${repositoryText}`;
  return { written, name, tag: tagText, digest: digestText, digestInTag };
}

function composeReference(name: string, tag: string | undefined, digest: string | undefined): { reference: Reference } | { problem: Problem } {
  try {
    const repository = parseRepository(name);
    if (tag !== undefined && !isValidTag(tag)) {
      return { problem: { status: 'unpinned', reason: `the tag "${tag}" is invalid: a tag is 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"` } };
    }
    if (digest !== undefined) {
      parseDigest(digest);
    }
    return {
      reference: { ...repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) },
    };
  } catch (error) {
    return { problem: problemFrom(error) };
  }
}

function problemFrom(error: unknown): Problem {
  if (isTagkeeperError(error)) {
    return { status: 'unpinned', reason: error.message };
  }
  throw error;
}

function siteFields(site: ImageSite): Pick<FoundImage, 'file' | 'document' | 'line' | 'aliases'> {
  return { file: site.file, document: site.documentIndex, line: site.line, aliases: [] };
}
