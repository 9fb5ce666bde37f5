/**
 * The names `packsmith` exports, reviewed. An export added to or removed from src/index.ts fails
 * api.test.ts until this list changes with it, so the public API only changes on purpose.
 */
export const PUBLIC_NAMES = [
  "ALL_CODES", "ActionNotFound", "ActionNotRunnable", "BUNDLE_FORMAT", "BundleBody", "BundleDigestMismatch",
  "BundleEnvelope", "BundleNotReadable", "BundleRegistry", "BundleTooLarge", "CODES", "CORE_PACK_DIR",
  "CompileFailed", "ComponentSource", "ComponentSourceUnavailable", "Conflict", "DEFAULT_DATA_DIR",
  "DEFAULT_POLICY_FILE", "DataDirInUse", "DataDirUnusable", "Database", "DatabaseConfig", "DatabaseLive",
  "DatabaseUnreachable", "DatabaseUrlInvalid", "DetectedRuntime", "DetectionProblem", "DetectionReport",
  "Diagnostic", "Digest", "EntryPointMissing", "GivenSecret", "HostPolicy", "HostPolicyNotFound", "InvalidBundle",
  "InvalidHostPolicy", "InvalidName", "InvalidParameters", "InvalidVersionConstraint", "MalformedBundleJson",
  "MaterializedFile", "MigrationFailed", "MigrationHistoryMismatch", "NotFound", "PACKSMITH_VERSION", "Pack",
  "PackBundle", "PackCompiler", "ParameterDocument", "ParameterFile", "PolicyDenied", "ProfileCommandUnavailable",
  "ProfileDisabled", "ProfileMismatch", "ProfileNotFound", "ProfileRequired", "Provenance", "RUNTIME_FAMILIES",
  "Registry", "ResolvedExecution", "ResolvedRuntime", "RuntimeAutoRegistration", "RuntimeDetection",
  "RuntimeFamily", "RuntimeNotFound", "RuntimeResolver", "RuntimeUnavailableOnHost", "RuntimeVersionUnsatisfied",
  "SHIPPED_PACKS_DIR", "SecretInEnvironment", "SecretNotInStore", "SecretUnavailable", "Severity", "StoredSecret",
  "TemplateVerification", "UnknownTemplateVariable", "UnsupportedBundleFormat", "computeBundleDigest",
  "decodeBundleText", "defaultHostPolicy", "diffBundles", "hasErrors", "isEmptyDiff", "loadHostPolicy",
  "locatePackDirs", "materializeBundle", "parseHostPolicy", "readBundleFile", "sortDiagnostics", "verifyBundle",
] as const

/** `Pack.*`: the parts of a compiled pack and their refs. */
export const PACK_NAMES = [
  "Action", "ActionRef", "AgentManifest", "AgentRef", "AgentSpec", "ComponentRef", "ConditionCheck",
  "Distributions", "EntryPoint", "EntryPointKind", "EnvVarSpec", "ExecutionConfig", "PackDependency",
  "PackManifest", "PackRef", "ParameterSchema", "PermissionSet", "PermissionSetRef", "ProfileRef", "Rule",
  "RuleConditions", "RuleRef", "Runtime", "RuntimeProfile", "RuntimeRef", "RuntimeVersion", "Sensor", "SensorRef",
  "Task", "Transition", "Trigger", "TriggerRef", "VerificationCommand", "WorkQueue", "Workflow", "WorkflowRef",
  "qualifyRef", "splitRef",
] as const
