import { formatReference, type Reference } from '../registry/reference.js';
import { ImageResolveError, type ImagePlace, type ImageResolveFailure } from './errors.js';
import type { FoundImage } from './model.js';
import type { ImageResolver, PinPlatform, ResolvedImage } from './ports.js';

/** Resolutions of one run, by {@link resolveKey}. */
export type Resolutions = Map<string, ResolvedImage>;

/** Default number of references resolved at once. */
export const DEFAULT_RESOLVE_CONCURRENCY = 8;

/**
 * Returns the reference sent to the resolver for `reference`: its tag when it
 * has one (a written digest is compared with what the tag points to), else
 * its digest.
 */
export function resolveKey(reference: Reference): string {
  const { registry, repository, tag, digest } = reference;
  return formatReference(tag === undefined ? { registry, repository, digest } : { registry, repository, tag });
}

/**
 * Resolves every distinct reference of `images` once, at most `concurrency`
 * at a time. When any fails, throws {@link ImageResolveError} naming each
 * failed reference and every place that names it, after all have settled.
 */
export async function resolveImages(
  images: FoundImage[],
  resolver: ImageResolver,
  options: { platform?: PinPlatform; concurrency?: number } = {},
): Promise<Resolutions> {
  const places = new Map<string, ImagePlace[]>();
  for (const image of images) {
    if (image.reference === undefined || image.problem !== undefined) {
      continue;
    }
    const key = resolveKey(image.reference);
    const list = places.get(key) ?? [];
    list.push({ file: image.file, path: image.path, line: image.line });
    places.set(key, list);
  }

  const keys = [...places.keys()];
  const resolutions: Resolutions = new Map();
  const failures: ImageResolveFailure[] = [];
  const resolveOptions = options.platform === undefined ? {} : { platform: options.platform };
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < keys.length; index = next++) {
      const key = keys[index] as string;
      try {
        resolutions.set(key, await resolver.resolve(key, resolveOptions));
      } catch (error) {
        failures.push({ reference: key, places: places.get(key) ?? [], cause: error });
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? DEFAULT_RESOLVE_CONCURRENCY, keys.length));
  await Promise.all(Array.from({ length: workers }, worker));

  if (failures.length > 0) {
    failures.sort((a, b) => keys.indexOf(a.reference) - keys.indexOf(b.reference));
    throw new ImageResolveError(failures);
  }
  return resolutions;
}
