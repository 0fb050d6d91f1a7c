/**
 * Pinning Helm chart values to immutable tags and digests.
 *
 * @module
 */
export type { ImageResolver, ImageResolveOptions, PinPlatform, ResolvedImage } from './ports.js';
export type { PathSegment } from './yaml-tree.js';
export type { BlockSlots, FoundImage, ImageStatus, PinMode, PinnedImage, ValueChange, ValueSlot } from './model.js';
export { PIN_MODES } from './model.js';
export {
  ImageResolveError,
  InvalidChartError,
  InvalidValuesFileError,
  PinVerificationError,
  isImageResolveError,
  isInvalidValuesFileError,
  type ImagePlace,
  type ImageResolveFailure,
} from './errors.js';
export { findValuesImages, pinValues, pinValuesText, readValuesImages, type PinOptions, type PinResult, type PinValuesOptions, type PinnedFile } from './pin-values.js';
export {
  CHART_IMAGES_ANNOTATIONS,
  prepareChartImages,
  updateChartImages,
  writeChartImages,
  type ChartImageEntry,
  type ChartImagesResult,
  type ChartImagesUpdate,
} from './chart-images.js';
export { unifiedDiff, type UnifiedDiffOptions } from './unified-diff.js';
export { writeFileAtomic } from './atomic-write.js';
export { resolverPort, type ReferenceResolver } from './resolver-port.js';
export { createRegistryResolver, type RegistryResolverOptions } from './registry-resolver.js';
