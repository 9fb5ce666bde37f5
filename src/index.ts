/**
 * packsmith's programmatic API: the services and layers a program composes, and the domain types they speak.
 */
export * from "./domain/index.js"
export { PackCompiler, CompileFailed, type CompileReport, type CompileOptions, type CompiledBundle } from "./compiler/index.js"
export { CODES, ALL_CODES, type CodeInfo } from "./compiler/codes.js"
export { readBundleFile, decodeBundleText, BundleTooLarge, BundleNotReadable, MalformedBundleJson, DEFAULT_MAX_BUNDLE_BYTES } from "./services/BundleFile.js"
export { diffBundles, isEmptyDiff, type BundleDiff, type ComponentChange, type ComponentId, type FieldChange } from "./services/BundleDiff.js"
export { PACKSMITH_VERSION } from "./version.js"
export * from "./domain/Detection.js"
export * from "./domain/HostPolicy.js"
export * from "./domain/Resolution.js"
export * from "./sql/index.js"
export { RuntimeDetection, DEFAULT_PROBE_TIMEOUT, type DetectOptions } from "./services/RuntimeDetection.js"
export { RuntimeResolver, type ResolveRequest } from "./services/RuntimeResolver.js"
export { parseHostPolicy, loadHostPolicy, type LoadHostPolicyOptions } from "./services/HostPolicy.js"
export { ComponentSource, ComponentSourceUnavailable, locatePackDirs, materializeBundle, type ComponentSourceShape, type FromBundleOptions } from "./services/ComponentSource.js"
export {
  Registry, Conflict, InvalidName, NotFound, type BundleSelector, type BundleSummary, type ListOptions, type PackDetail,
  type PackListing, type RuntimeDetail,
} from "./services/Registry.js"
export { BundleRegistry, type RegisterOptions, type RegisterProgress, type RegisterResult, type RegisterError, type ChangeCounts } from "./services/BundleRegistry.js"
export { RuntimeAutoRegistration, type AutoRegistrationOptions, type AutoRegistrationReport } from "./services/RuntimeAutoRegistration.js"
