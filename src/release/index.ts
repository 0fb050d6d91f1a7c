/**
 * Release: publish an image under its immutable tag and the rolling tags of
 * the scheme, as a plan that is built from the registry's state and then
 * applied with the scheme's safety rules.
 *
 * @packageDocumentation
 */
export { applyPlan, type ApplyOptions, type ApplyResult, type PublishEvent, type VerifyGate } from './apply.js';
export { ClientRegistry, connectRegistry, type PlatformManifest, type RegistryConnection } from './client-registry.js';
export { ConcurrencyLimit, DEFAULT_CONCURRENCY, mapWithConcurrency } from './concurrency.js';
export {
  ReleaseConflictError,
  ReleaseOptionsError,
  RollingTagChangedError,
  SourceNotFoundError,
  TagReadBackError,
  VerifyFailedError,
  formatTagStates,
  type RollingTagRepair,
  type TagState,
} from './errors.js';
export {
  ROLLING_WRITE_ORDER,
  buildPlan,
  isNoOp,
  planToJson,
  writesOf,
  type PlanInput,
  type PlanJson,
  type ReleasePlan,
  type RevisionChoice,
  type RollingDecision as PlannedRollingDecision,
  type TagAction,
  type TagOperation,
} from './plan.js';
export { applyDefaultDistro, loadPolicy, type PolicySource } from './policy.js';
export {
  digestReference,
  formatImageReference,
  formatRepository as formatRepositoryName,
  tagReference,
  type CopyResult as ReleaseCopyResult,
  type FetchedManifest as ReleaseFetchedManifest,
  type ImageReference,
  type ManifestDescriptor,
  type ReleaseRegistry,
  type RepositoryName,
} from './ports.js';
export { publish, type PublishOptions, type PublishOutcome, type PublishResult } from './publish.js';
export { chooseRevision, type RevisionDecision, type RevisionInput } from './revision.js';
export { canonicalJson, compareIgnoringTimestamps, firstDifferentField, withoutTimestamps, type ImageComparison } from './unchanged.js';
export { runVerifyCommand, type VerifyCommand, type VerifyGateContext } from './verify-gate.js';
