/**
 * tagkeeper: publish, resolve, pin and audit container image tags under a
 * rolling/immutable tag scheme.
 *
 * @packageDocumentation
 */
export { TagkeeperError, isTagkeeperError } from './errors.js';
export { TAG_PATTERN, isValidTag } from './grammar.js';
export * from './scheme/index.js';
export * from './release/index.js';
export * from './resolve/index.js';
export * from './registry/index.js';
export * from './audit/index.js';
export * from './helm/index.js';
