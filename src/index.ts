/**
 * packsmith's programmatic API: the services a program composes (each named for its capability, as
 * `yield* PackCompiler`, `PackCompiler.Default`), their layers and typed errors, and the domain types they
 * speak; the parts of a pack under `Pack`. test/package/api.test.ts pins this list: additions are deliberate.
 */
export * from "./domain/index.js"
export { PACKSMITH_VERSION } from "./version.js"

// Compiling packs into bundles
export * from "./compiler/index.js"

// Bundles: files, verification (re-exported from ./domain), diffs
export { BundleNotReadable, BundleTooLarge, decodeBundleText, MalformedBundleJson, readBundleFile } from "./services/BundleFile.js"
export { diffBundles, isEmptyDiff } from "./services/BundleDiff.js"
export type { BundleDiff, ComponentChange, ComponentId, ComponentKind, FieldChange } from "./services/BundleDiff.js"

// The registry: bundles in, components out
export { BundleRegistry } from "./services/BundleRegistry.js"
export type {
  ChangeCounts,
  RegisterError,
  RegisterOptions,
  RegisterPhase,
  RegisterProgress,
  RegisterResult,
  RegistryKind,
} from "./services/BundleRegistry.js"
export { Conflict, InvalidName, NotFound, Registry } from "./services/Registry.js"
export type {
  ActionSummary,
  BundleSelector,
  BundleSummary,
  ListOptions,
  NotFoundKind,
  PackDetail,
  PackListing,
  RuntimeDetail,
} from "./services/Registry.js"

// Storage
export * from "./sql/index.js"

// Runtimes on a host: detection, auto-registration, host policy, resolution of an action to a command
export { RuntimeDetection, type DetectOptions } from "./services/RuntimeDetection.js"
export { RuntimeAutoRegistration } from "./services/RuntimeAutoRegistration.js"
export type { AutoRegistered, AutoRegistrationOptions, AutoRegistrationReport, AutoSkipped } from "./services/RuntimeAutoRegistration.js"
export { loadHostPolicy, parseHostPolicy, type LoadHostPolicyOptions } from "./services/HostPolicy.js"
export { RuntimeResolver, type ResolveRequest } from "./services/RuntimeResolver.js"
export { ComponentSource, ComponentSourceUnavailable, locatePackDirs, materializeBundle } from "./services/ComponentSource.js"
export type { ComponentSourceShape, FromBundleOptions, FromRegistryOptions } from "./services/ComponentSource.js"
