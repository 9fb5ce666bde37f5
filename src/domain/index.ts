/**
 * The domain types the public services speak, curated: diagnostics, bundles, what detection reports, host
 * policy and what the resolver returns or fails with; the parts of a pack under `Pack`. Schema helpers,
 * source (YAML) shapes, patterns and cache records stay inside the package.
 */
export * as Pack from "./PackParts.js"

export { Diagnostic, hasErrors, Severity, sortDiagnostics } from "./Diagnostic.js"

export {
  BUNDLE_FORMAT,
  BundleBody,
  BundleDigestMismatch,
  BundleEnvelope,
  computeBundleDigest,
  InvalidBundle,
  PackBundle,
  Provenance,
  UnsupportedBundleFormat,
  verifyBundle,
} from "./Bundle.js"
export type { BundleVerificationError, PackSection } from "./Bundle.js"
export { Digest } from "./Refs.js"

export { RUNTIME_FAMILIES, RuntimeFamily } from "./RuntimeFamily.js"
export { DetectedRuntime, DetectionProblem, DetectionReport, TemplateVerification } from "./Detection.js"
export type { DetectionProblemKind, DetectionSource, TemplateStatus } from "./Detection.js"

export { DEFAULT_POLICY_FILE, defaultHostPolicy, HostPolicy, HostPolicyNotFound, InvalidHostPolicy } from "./HostPolicy.js"
export type { PolicyIssue, SecretSource } from "./HostPolicy.js"

export {
  ActionNotFound,
  ActionNotRunnable,
  EntryPointMissing,
  GivenSecret,
  InvalidParameters,
  InvalidVersionConstraint,
  MaterializedFile,
  ParameterDocument,
  ParameterFile,
  PolicyDenied,
  ProfileCommandUnavailable,
  ProfileDisabled,
  ProfileMismatch,
  ProfileNotFound,
  ProfileRequired,
  ResolvedExecution,
  ResolvedRuntime,
  RuntimeNotFound,
  RuntimeUnavailableOnHost,
  RuntimeVersionUnsatisfied,
  SecretInEnvironment,
  SecretNotInStore,
  SecretUnavailable,
  StoredSecret,
  UnknownTemplateVariable,
} from "./Resolution.js"
export type { ParameterIssue, ParameterPath, ResolutionError, SecretSlot } from "./Resolution.js"
