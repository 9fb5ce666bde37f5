/**
 * What the resolver hands to the executor: an action turned into an exact command under the host's policy
 * (argv, cwd, env, parameter document, timeout), with the reasoning that led there; or a typed error that says
 * what is missing and where. Secret values never appear in any field: the parameter document carries
 * placeholders and slots that are filled only when the document is delivered.
 */
import { Schema } from "effect"
import { ParameterDelivery, ParameterFormat } from "./SourceFields.js"

const opt = <S extends Schema.Schema.Any>(s: S) => Schema.optionalWith(s, { exact: true })

/** What a secret looks like wherever a resolved execution is shown. */
export const SECRET_PLACEHOLDER = "****"

/** A key path inside the parameter document (`["headers", "Authorization"]`). */
export const ParameterPath = Schema.Array(Schema.Union(Schema.String, Schema.Number))
export type ParameterPath = typeof ParameterPath.Type

/** A secret the caller gave as a value; it stays wrapped until delivery. */
export class GivenSecret extends Schema.TaggedClass<GivenSecret>()("GivenSecret", {
  path: ParameterPath,
  value: Schema.Redacted(Schema.Unknown),
}) {}

/** A `secret:<name>` ref, read from the host's secret store when the document is delivered. */
export class StoredSecret extends Schema.TaggedClass<StoredSecret>()("StoredSecret", {
  path: ParameterPath,
  name: Schema.String,
}) {}

export const SecretSlot = Schema.Union(GivenSecret, StoredSecret)
export type SecretSlot = typeof SecretSlot.Type

export class ParameterDocument extends Schema.Class<ParameterDocument>("ParameterDocument")({
  format: ParameterFormat,
  /** The document as delivered, except that every secret reads `****`; safe to print. */
  content: Schema.String,
  /** The validated parameters (defaults applied) with the same placeholders. */
  values: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  /** Where the placeholders are and what fills them at delivery. */
  secrets: Schema.Array(SecretSlot),
}) {}

export class ParameterFile extends Schema.Class<ParameterFile>("ParameterFile")({
  /** Written (mode 0400) before the process starts; PACKSMITH_PARAMETER_FILE names it. */
  path: Schema.String,
  document: ParameterDocument,
}) {}

/** A file the executor writes before spawning (an inline script written to a temporary file). */
export class MaterializedFile extends Schema.Class<MaterializedFile>("MaterializedFile")({
  path: Schema.String,
  content: Schema.String,
  mode: Schema.Int,
}) {}

export class ResolvedRuntime extends Schema.Class<ResolvedRuntime>("ResolvedRuntime")({
  ref: Schema.String,
  family: Schema.String,
  /** The interpreter's version as detected on this host; null when unknown (dash) or for native entry points. */
  version: Schema.NullOr(Schema.String),
  /** The runtime's `versions[]` entry whose execution_config is used; null for the base execution_config. */
  versionEntry: Schema.NullOr(Schema.String),
  /** Absolute path of what is executed: the interpreter, the profile's command, or the native entry point. */
  binary: Schema.String,
}) {}

export class ResolvedExecution extends Schema.Class<ResolvedExecution>("ResolvedExecution")({
  executionId: Schema.String,
  action: Schema.String,
  pack: Schema.String,
  /** argv[0] is an absolute path; nothing passes through a shell unless the action is inline shell code. */
  argv: Schema.Array(Schema.String),
  /** The pack directory. */
  cwd: Schema.String,
  /** The complete environment of the child: nothing else of the worker's environment is inherited. */
  env: Schema.Record({ key: Schema.String, value: Schema.String }),
  /** The document written to stdin (then closed); null for file delivery, where stdin is empty. */
  stdin: Schema.NullOr(ParameterDocument),
  parameterFile: Schema.NullOr(ParameterFile),
  parameterDelivery: ParameterDelivery,
  parameterFormat: ParameterFormat,
  timeoutSeconds: Schema.Int,
  runtime: ResolvedRuntime,
  profile: Schema.NullOr(Schema.String),
  /** Where the pack's environment for this runtime (virtualenv, node_modules, ...) lives. */
  envDir: Schema.String,
  /** Per-execution directory (HOME, parameter file, inline script); the executor creates and removes it. */
  scratchDir: Schema.String,
  /** Files to write into scratchDir before spawning. */
  files: Schema.Array(MaterializedFile),
  /** The reasoning steps, in order; never contains a secret value. */
  explain: Schema.Array(Schema.String),
}) {}

// ---------------------------------------------------------------------------------------------------------
// Errors. Each names what is missing and where; none carries a parameter value.

const suggestionSuffix = (suggestion: string | undefined) => suggestion === undefined ? "" : `; ${suggestion}`

export class ActionNotFound extends Schema.TaggedError<ActionNotFound>()("ActionNotFound", {
  ref: Schema.String,
  /** Where it was looked up (a bundle digest, pack directories, the registry). */
  source: Schema.String,
  suggestion: opt(Schema.String),
}) {
  override get message() {
    return `action ${this.ref} is not in ${this.source}${suggestionSuffix(this.suggestion)}`
  }
}

export class ActionNotRunnable extends Schema.TaggedError<ActionNotRunnable>()("ActionNotRunnable", {
  ref: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `action ${this.ref} cannot be run by a worker: ${this.reason}`
  }
}

export class RuntimeNotFound extends Schema.TaggedError<RuntimeNotFound>()("RuntimeNotFound", {
  ref: Schema.String,
  action: Schema.String,
  /** The runtime refs that were searched (by ref, name and alias). */
  searched: Schema.Array(Schema.String),
  suggestion: opt(Schema.String),
}) {
  override get message() {
    const among = this.searched.length === 0 ? "no runtimes are registered" : `searched ${this.searched.join(", ")}`
    return `runtime ${JSON.stringify(this.ref)} of action ${this.action} is not registered (${among})${suggestionSuffix(this.suggestion)}`
  }
}

export class RuntimeUnavailableOnHost extends Schema.TaggedError<RuntimeUnavailableOnHost>()("RuntimeUnavailableOnHost", {
  runtime: Schema.String,
  family: Schema.String,
  /** What this host has: `family name version at path` for every detected interpreter. */
  detected: Schema.Array(Schema.String),
  /** Why it is needed (the action, or its required_worker_runtimes). */
  requiredBy: Schema.String,
  /** The interpreter binary that was looked for, when there is one. */
  binary: opt(Schema.String),
}) {
  override get message() {
    const has = this.detected.length === 0 ? "nothing was detected" : `it has ${this.detected.join("; ")}`
    const wanted = this.binary === undefined ? `no ${this.family} interpreter` : `no ${this.family} interpreter ${JSON.stringify(this.binary)}`
    return `${this.requiredBy} needs ${this.runtime}, but this host has ${wanted} (${has}); install one or run it on a worker that has it`
  }
}

export class RuntimeVersionUnsatisfied extends Schema.TaggedError<RuntimeVersionUnsatisfied>()("RuntimeVersionUnsatisfied", {
  runtime: Schema.String,
  constraint: Schema.String,
  /** The interpreters of the family this host has, with their versions. */
  available: Schema.Array(Schema.String),
  /** The runtime's declared `versions[]` entries. */
  declared: Schema.Array(Schema.String),
  /** Declared entries not selected because their own verification failed on this host. */
  unverified: opt(Schema.Array(Schema.String)),
  requiredBy: Schema.String,
}) {
  override get message() {
    const has = this.available.length === 0 ? "this host has none" : `this host has ${this.available.join("; ")}`
    const declared = this.declared.length === 0 ? "" : `; ${this.runtime} declares versions ${this.declared.join(", ")}`
    const unverified = this.unverified === undefined || this.unverified.length === 0 ? ""
      : ` (${this.unverified.join(", ")} failed verification on this host)`
    return `${this.requiredBy} needs ${this.runtime} ${this.constraint}, but ${has}${declared}${unverified}`
  }
}

export class InvalidVersionConstraint extends Schema.TaggedError<InvalidVersionConstraint>()("InvalidVersionConstraint", {
  action: Schema.String,
  field: Schema.String,
  constraint: Schema.String,
}) {
  override get message() {
    return `${this.field} of ${this.action} is not a version range: ${JSON.stringify(this.constraint)}`
  }
}

export class PolicyDenied extends Schema.TaggedError<PolicyDenied>()("PolicyDenied", {
  runtime: Schema.String,
  /** The rule that decided, e.g. `runtimes.deny: "java"`. */
  rule: Schema.String,
  policyFile: Schema.String,
}) {
  override get message() {
    return `${this.runtime} is not allowed on this host by ${this.policyFile}: ${this.rule}`
  }
}

export class EntryPointMissing extends Schema.TaggedError<EntryPointMissing>()("EntryPointMissing", {
  action: Schema.String,
  path: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `entry point of ${this.action} cannot be run: ${this.path}: ${this.reason}`
  }
}

export class ProfileNotFound extends Schema.TaggedError<ProfileNotFound>()("ProfileNotFound", {
  ref: Schema.String,
  suggestion: opt(Schema.String),
}) {
  override get message() {
    return `runtime profile ${this.ref} is not registered${suggestionSuffix(this.suggestion)}`
  }
}

export class ProfileDisabled extends Schema.TaggedError<ProfileDisabled>()("ProfileDisabled", {
  ref: Schema.String,
}) {
  override get message() {
    return `runtime profile ${this.ref} is disabled; enable it or choose another profile`
  }
}

export class ProfileMismatch extends Schema.TaggedError<ProfileMismatch>()("ProfileMismatch", {
  profile: Schema.String,
  profileRuntime: Schema.String,
  action: Schema.String,
  actionRuntime: Schema.String,
}) {
  override get message() {
    return `runtime profile ${this.profile} builds on ${this.profileRuntime}, but ${this.action} runs on ${this.actionRuntime}`
  }
}

export class ProfileRequired extends Schema.TaggedError<ProfileRequired>()("ProfileRequired", {
  action: Schema.String,
  runtime: Schema.String,
  /** Enabled profiles that build on the action's runtime. */
  candidates: Schema.Array(Schema.String),
  policyFile: Schema.String,
}) {
  override get message() {
    const choose = this.candidates.length === 0 ? `no enabled profile builds on ${this.runtime}` : `choose one of ${this.candidates.join(", ")}`
    return `${this.policyFile} requires a runtime profile (profiles.required) to run ${this.action}; ${choose}`
  }
}

export class ProfileCommandUnavailable extends Schema.TaggedError<ProfileCommandUnavailable>()("ProfileCommandUnavailable", {
  profile: Schema.String,
  command: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `runtime profile ${this.profile}: command ${JSON.stringify(this.command)} ${this.reason}`
  }
}

export const ParameterIssue = Schema.Struct({ path: Schema.String, message: Schema.String })
export type ParameterIssue = typeof ParameterIssue.Type

export class InvalidParameters extends Schema.TaggedError<InvalidParameters>()("InvalidParameters", {
  action: Schema.String,
  issues: Schema.Array(ParameterIssue),
}) {
  override get message() {
    return `invalid parameters for ${this.action}: ${this.issues.map((i) => `${i.path === "" ? "(parameters)" : i.path} ${i.message}`).join("; ")}`
  }
}

export class UnknownTemplateVariable extends Schema.TaggedError<UnknownTemplateVariable>()("UnknownTemplateVariable", {
  runtime: Schema.String,
  /** Where the template is, e.g. `execution_config.env_vars.PATH`. */
  field: Schema.String,
  variable: Schema.String,
  known: Schema.Array(Schema.String),
}) {
  override get message() {
    return `${this.runtime} ${this.field} uses {${this.variable}}, which is not available here; known: ${this.known.map((k) => `{${k}}`).join(", ")}`
  }
}

export class SecretInEnvironment extends Schema.TaggedError<SecretInEnvironment>()("SecretInEnvironment", {
  variable: Schema.String,
  origin: Schema.String,
}) {
  override get message() {
    return `${this.origin} puts a secret ref in environment variable ${this.variable}; secrets are delivered only in the parameter document`
  }
}

export class SecretNotInStore extends Schema.TaggedError<SecretNotInStore>()("SecretNotInStore", {
  action: Schema.String,
  parameter: Schema.String,
  name: Schema.String,
  policyFile: Schema.String,
}) {
  override get message() {
    return `parameter ${this.parameter} of ${this.action} refers to secret:${this.name}, which ${this.policyFile} does not map in secrets.store`
  }
}

/** At delivery: the store names a source that cannot be read now. */
export class SecretUnavailable extends Schema.TaggedError<SecretUnavailable>()("SecretUnavailable", {
  name: Schema.String,
  /** The store entry (`env:VAR`, `file:/path`), never the value. */
  source: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `secret ${this.name} (${this.source}) cannot be read: ${this.reason}`
  }
}

export type ResolutionError =
  | ActionNotFound
  | ActionNotRunnable
  | RuntimeNotFound
  | RuntimeUnavailableOnHost
  | RuntimeVersionUnsatisfied
  | InvalidVersionConstraint
  | PolicyDenied
  | EntryPointMissing
  | ProfileNotFound
  | ProfileDisabled
  | ProfileMismatch
  | ProfileRequired
  | ProfileCommandUnavailable
  | InvalidParameters
  | UnknownTemplateVariable
  | SecretInEnvironment
  | SecretNotInStore
