import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';

/** A path segment inside a YAML document: a map key or a sequence index. */
export type PathSegment = string | number;

/** A pair found by {@link findPair}, with the map that contains it: the map searched, or one merged into it with `<<`. */
export interface FoundPair {
  pair: Pair;
  owner: YAMLMap;
}

/**
 * Returns the node an alias points to, following chains of aliases, or the
 * node itself. Returns undefined for a missing value or an alias without anchor.
 */
export function resolveNode(document: Document.Parsed, node: unknown): Node | undefined {
  let current: unknown = node;
  for (let depth = 0; isAlias(current); depth += 1) {
    if (depth > 100) {
      return undefined;
    }
    current = current.resolve(document);
  }
  return current === null || current === undefined ? undefined : (current as Node);
}

/** Returns the key of `pair` as written (`y` stays `y` although YAML 1.1 reads it as true), or undefined for a non-scalar key. */
export function keyName(pair: Pair): string | undefined {
  if (!isScalar(pair.key)) {
    return undefined;
  }
  const key = pair.key as Scalar;
  if (typeof key.source === 'string') {
    return key.source;
  }
  return typeof key.value === 'symbol' ? '<<' : String(key.value);
}

/** Returns true for a `<<` merge pair. */
export function isMergePair(pair: Pair): boolean {
  return isScalar(pair.key) && (typeof pair.key.value === 'symbol' || (pair.key.type === 'PLAIN' && pair.key.source === '<<'));
}

/**
 * Finds the pair with key `name` in `map`, then in the maps merged into it
 * with `<<` (YAML 1.1 merge keys: the map's own keys win, then the merged maps
 * in the order written).
 */
export function findPair(document: Document.Parsed, map: YAMLMap, name: string, depth = 0): FoundPair | undefined {
  for (const pair of map.items) {
    if (!isMergePair(pair) && keyName(pair) === name) {
      return { pair, owner: map };
    }
  }
  if (depth > 20) {
    return undefined;
  }
  for (const source of mergeSources(document, map)) {
    const found = findPair(document, source, name, depth + 1);
    if (found) {
      return found;
    }
  }
  return undefined;
}

/** Returns the maps merged into `map` with `<<: *anchor` or `<<: [*a, *b]`, in order. */
export function mergeSources(document: Document.Parsed, map: YAMLMap): YAMLMap[] {
  const sources: YAMLMap[] = [];
  for (const pair of map.items) {
    if (!isMergePair(pair)) {
      continue;
    }
    const value = resolveNode(document, pair.value);
    if (isMap(value)) {
      sources.push(value);
    } else if (isSeq(value)) {
      for (const item of value.items) {
        const resolved = resolveNode(document, item);
        if (isMap(resolved)) {
          sources.push(resolved);
        }
      }
    }
  }
  return sources;
}

/** Returns the scalar value of the pair `name` in `map` (merge-aware), after aliases. */
export function scalarAt(document: Document.Parsed, map: YAMLMap, name: string): Scalar | undefined {
  const found = findPair(document, map, name);
  const value = found ? resolveNode(document, found.pair.value) : undefined;
  return isScalar(value) ? value : undefined;
}

/**
 * Formats a path the way Helm's `--set` names values: `metrics.image`,
 * `initContainers[0].image`, and `annotations["app.io/name"]` for keys that
 * hold characters other than letters, digits, `_` and `-`.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') {
      path += `[${segment}]`;
    } else if (/^[A-Za-z0-9_-]+$/.test(segment)) {
      path += path === '' ? segment : `.${segment}`;
    } else {
      path += `[${JSON.stringify(segment)}]`;
    }
  }
  return path;
}

/** Returns true for a flow collection (`{ … }` or `[ … ]`), where `,[]{}` end a plain value. */
export function isFlowCollection(collection: YAMLMap | YAMLSeq): boolean {
  return collection.flow === true || (collection.srcToken as { type?: string } | undefined)?.type === 'flow-collection';
}
