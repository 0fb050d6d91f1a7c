import { isMap, isScalar, isSeq, type Document, type Node, type Scalar, type YAMLMap } from 'yaml';
import { blockShape, hasTagOrDigest, isImageKey, isImageListKey, isPartialImageBlock, isTemplated } from './image-shapes.js';
import type { FoundImage } from './model.js';
import { partialImage, readBlockImage, readStringImage, templatedImage, type GlobalRegistry, type ImageSite } from './read-image.js';
import { lineAt, type ValuesSource } from './values-source.js';
import { formatPath, isFlowCollection, isMergePair, keyName, resolveNode, scalarAt, type PathSegment } from './yaml-tree.js';

/**
 * Finds every image a values file names, in document order. Each YAML node is
 * reported once: an anchored block or string is reported where it is first
 * reached, and an alias to it adds nothing, because pinning the anchor pins
 * every alias.
 */
export function findImages(source: ValuesSource): FoundImage[] {
  const images: FoundImage[] = [];
  source.documents.forEach((document, documentIndex) => {
    const walker = new DocumentWalker(source, document, documentIndex, images);
    walker.walk(document.contents, [], undefined, document.contents?.range?.[0] ?? 0);
  });
  return images;
}

class DocumentWalker {
  private readonly visited = new Set<Node>();
  /** The image read at each node, so aliases to it can be listed on it. */
  private readonly imageAt = new Map<Node, FoundImage>();
  /** Scalars read as part of an image block, so they are not read again as image strings. */
  private readonly consumed = new Set<Node>();
  private readonly globalRegistry: GlobalRegistry;

  constructor(
    private readonly source: ValuesSource,
    private readonly document: Document.Parsed,
    private readonly documentIndex: number,
    private readonly images: FoundImage[],
  ) {
    this.globalRegistry = readGlobalRegistry(document);
  }

  walk(value: unknown, segments: PathSegment[], parentKey: string | undefined, offset: number): void {
    const node = resolveNode(this.document, value);
    if (node === undefined) {
      return;
    }
    if (this.visited.has(node)) {
      this.imageAt.get(node)?.aliases.push(formatPath(segments));
      return;
    }
    this.visited.add(node);

    if (isMap(node)) {
      this.visitMap(node, segments, parentKey, offset);
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        const itemNode = resolveNode(this.document, item);
        const itemOffset = (item as Node | null)?.range?.[0] ?? offset;
        if (isScalar(itemNode) && isImageListKey(parentKey)) {
          this.visitImageString(itemNode, [...segments, index], itemOffset, isFlowCollection(node), true);
        } else {
          this.walk(item, [...segments, index], parentKey, itemOffset);
        }
      });
    }
  }

  private visitMap(map: YAMLMap, segments: PathSegment[], parentKey: string | undefined, offset: number): void {
    const shape = blockShape(this.document, map, parentKey);
    if (shape) {
      const image = readBlockImage(this.site(segments, offset), map, shape, this.globalRegistry);
      this.images.push(image);
      this.imageAt.set(map, image);
      for (const slot of [image.block?.repository, image.block?.tag, image.block?.digest]) {
        if (slot?.node) this.consumed.add(slot.node);
      }
    } else if (isPartialImageBlock(this.document, map, parentKey)) {
      const tag = scalarAt(this.document, map, 'tag') ?? scalarAt(this.document, map, 'digest');
      this.images.push(partialImage(this.site(segments, offset), `${formatPath(segments)}: ${String(tag?.source ?? tag?.value ?? '')}`));
    }

    for (const pair of map.items) {
      const key = isMergePair(pair) ? '<<' : keyName(pair) ?? '?';
      const keyOffset = (pair.key as Node | null)?.range?.[0] ?? offset;
      const value = resolveNode(this.document, pair.value);
      if (isScalar(value)) {
        if (isImageKey(key) && !this.consumed.has(value)) {
          this.visitImageString(value, [...segments, key], keyOffset, isFlowCollection(map), false);
        }
      } else {
        this.walk(pair.value, [...segments, key], key, keyOffset);
      }
    }
  }

  /**
   * Reads a scalar under an image key. Items of an image list count only when
   * they carry a tag or digest. A value under an `image` key counts whenever
   * it is a non-empty string, and without a tag it means `latest`.
   */
  private visitImageString(node: Scalar, segments: PathSegment[], offset: number, flow: boolean, listItem: boolean): void {
    if (this.visited.has(node)) {
      this.imageAt.get(node)?.aliases.push(formatPath(segments));
      return;
    }
    if (typeof node.value !== 'string' || node.value.trim() === '') {
      return;
    }
    const text = node.value;
    if (listItem && !isTemplated(text) && !hasTagOrDigest(text)) {
      return;
    }
    this.visited.add(node);

    const path = formatPath(segments);
    const site = this.site(segments, offset);
    const key = typeof segments.at(-1) === 'string' ? String(segments.at(-1)) : '';
    const image = isTemplated(text)
      ? templatedImage(site, path, text, 'string')
      : readStringImage(site, { key, pair: undefined, owner: undefined, node, path, flow }, text);
    this.images.push(image);
    this.imageAt.set(node, image);
  }

  private site(segments: PathSegment[], offset: number): ImageSite {
    return {
      file: this.source.file,
      document: this.document,
      documentIndex: this.documentIndex,
      segments,
      line: lineAt(this.source, offset),
    };
  }
}

function readGlobalRegistry(document: Document.Parsed): GlobalRegistry {
  const root = resolveNode(document, document.contents);
  if (!isMap(root)) {
    return { kind: 'none' };
  }
  const global = scalarOrMap(document, root, 'global');
  if (!isMap(global)) {
    return { kind: 'none' };
  }
  const registry = scalarAt(document, global, 'imageRegistry');
  if (!registry || typeof registry.value !== 'string' || registry.value.trim() === '') {
    return { kind: 'none' };
  }
  return isTemplated(registry.value) ? { kind: 'templated', text: registry.value } : { kind: 'text', text: registry.value };
}

function scalarOrMap(document: Document.Parsed, map: YAMLMap, key: string): Node | undefined {
  const pair = map.items.find((item) => keyName(item) === key);
  return pair ? resolveNode(document, pair.value) : undefined;
}
