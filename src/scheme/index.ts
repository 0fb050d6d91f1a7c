/**
 * The tag scheme: versions, distros, tags, policies, and the decisions which
 * rolling tags move. Pure functions except `loadTagPolicyFile`.
 *
 * @module
 */
export { InvalidTagError, InvalidVersionError, TagPolicyError, isInvalidTagError, isInvalidVersionError, isTagPolicyError } from './errors.js';
export {
  BUILD_METADATA_RULES,
  parseVersion,
  parseVersionText,
  tryParseVersionText,
  type BuildMetadataRule,
  type Version,
  type VersionOptions,
} from './version.js';
export { compareVersions, comparePrecedence } from './version-order.js';
export { DISTRO_PATTERN, checkDistro, isValidDistro } from './distro.js';
export { DEFAULT_LEVELS, ROLLING_LEVELS, baseLevel, isDistroLevel, isRollingLevel, type RollingLevel } from './levels.js';
export {
  parseImmutableTag,
  parseTag,
  rollingLevelOf,
  type ForeignTag,
  type ImmutableTag,
  type RollingTag,
  type SchemeTag,
} from './tag.js';
export { formatTag, rollingTagFor, type ImmutableTagParts, type RollingTagParts } from './tag-format.js';
export { parseTagList } from './tag-list.js';
export {
  LATEST_BRANCH_PATTERN,
  LATEST_MODES,
  TagPolicy,
  parseTagPolicy,
  requireDefaultDistro,
  type TagPolicyInput,
} from './policy.js';
export { loadTagPolicyFile, parseTagPolicyText } from './policy-file.js';
export {
  compareImmutableTags,
  effectiveLevel,
  immutableTagsOf,
  isInScope,
  newestMember,
  scopeMembers,
  scopeOf,
  scopeUnderPolicy,
  type TagScope,
} from './scope.js';
export { newestRevision, nextRevision, parseRevisionText } from './revision.js';
export { checkEligibility, type Skip, type SkipCode } from './eligibility.js';
export { computeTagSet, type Release, type RollingDecision, type TagSet } from './tag-set.js';
export { BuildIndex } from './build-index.js';
export { impliedDefaultDistro, publishedDistros } from './default-distro.js';
export { rollingTargets, type RollingTarget } from './targets.js';
