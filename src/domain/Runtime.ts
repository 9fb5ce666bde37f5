/**
 * Runtime definitions in Attune's format (runtimes/*.yaml): how to verify an interpreter on a host and how to
 * run an entry point with it. The same shape is stored in the bundle and in the registry.
 */
import { Schema } from "effect"
import { opt, optNull, type Optional } from "./SourceFields.js"

const Json = Schema.Unknown

/**
 * Each part below is built twice: as authors write it (`optNull`: a null Attune's loaders accept reads as
 * absent) and as the bundle stores it (`opt`: never null).
 */
const verificationCommand = (optional: Optional) => Schema.Struct({
  binary: Schema.NonEmptyString,
  args: optional(Schema.Array(Schema.String)),
  /** Expected exit code; default 0. */
  exit_code: optional(Schema.Int),
  /** Regular expression matched against stdout + stderr. */
  pattern: optional(Schema.String),
  /** Lower runs first; default 999. */
  priority: optional(Schema.Int),
  /**
   * Accepted as Attune writes it. The first command that passes verifies the runtime and a command that fails
   * only moves on to the next, so marking one optional changes nothing here.
   */
  optional: optional(Schema.Boolean),
}).pipe(Schema.annotations({ identifier: optional === opt ? "VerificationCommand" : "VerificationCommandSource" }))

export const VerificationCommand = verificationCommand(opt)
export type VerificationCommand = typeof VerificationCommand.Type

/**
 * Attune keeps `distributions` free-form (a JSONB column): only `verification` is interpreted (by runtime
 * detection); other keys (`languages`, `type`, ...) are kept as written.
 */
const distributions = (optional: Optional) => Schema.Struct({
  verification: optional(Schema.Struct({
    commands: optional(Schema.Array(verificationCommand(optional))),
    always_available: optional(Schema.Boolean),
    check_required: optional(Schema.Boolean),
  })),
  min_version: optional(Schema.String),
  recommended_version: optional(Schema.String),
}, Schema.Record({ key: Schema.String, value: Json })).pipe(
  Schema.annotations({ identifier: optional === opt ? "Distributions" : "DistributionsSource" }),
)

export const Distributions = distributions(opt)
export type Distributions = typeof Distributions.Type

export const EnvVarOperation = Schema.Literal("set", "prepend", "append")
export const EnvVarSpec = Schema.Union(
  Schema.String,
  Schema.Struct({
    value: Schema.String,
    operation: opt(EnvVarOperation),
    separator: opt(Schema.String),
  }),
).pipe(Schema.annotations({ identifier: "EnvVarSpec" }))
export type EnvVarSpec = typeof EnvVarSpec.Type

/**
 * Attune's `RuntimeExecutionConfig` (serde): `environment`, `dependencies`, `file_extension`, `extension`
 * and `interpreter_path` are `Option`s and take null; the other keys have serde defaults and do not.
 */
const executionConfig = (optional: Optional) => Schema.Struct({
  interpreter: opt(Schema.Struct({
    /** Empty or absent binary: the entry point is executed directly (native). */
    binary: opt(Schema.String),
    args: opt(Schema.Array(Schema.String)),
    file_extension: optional(Schema.String),
  })),
  inline_execution: opt(Schema.Struct({
    strategy: opt(Schema.Literal("direct", "temp_file")),
    extension: optional(Schema.String),
    inject_shell_helpers: opt(Schema.Boolean),
  })),
  environment: optional(Schema.Struct({
    env_type: opt(Schema.String),
    dir_name: opt(Schema.String),
    create_command: opt(Schema.Array(Schema.String)),
    interpreter_path: optional(Schema.String),
  })),
  dependencies: optional(Schema.Struct({
    manifest_file: opt(Schema.String),
    install_command: opt(Schema.Array(Schema.String)),
  })),
  env_vars: opt(Schema.Record({ key: Schema.String, value: EnvVarSpec })),
}).pipe(Schema.annotations({ identifier: optional === opt ? "ExecutionConfig" : "ExecutionConfigSource" }))

export const ExecutionConfig = executionConfig(opt)
export type ExecutionConfig = typeof ExecutionConfig.Type

/** The interpreter binary an execution config names; undefined when it runs the entry point itself. */
export const interpreterBinary = (config: ExecutionConfig): string | undefined => {
  const binary = config.interpreter?.binary?.trim()
  return binary === undefined || binary === "" ? undefined : binary
}

const runtimeVersion = (optional: Optional) => Schema.Struct({
  version: Schema.String,
  is_default: optional(Schema.Boolean),
  distributions: optional(distributions(optional)),
  /** A complete replacement of the runtime's execution_config, not a diff. */
  execution_config: optional(executionConfig(optional)),
  meta: optional(Json),
}).pipe(Schema.annotations({ identifier: optional === opt ? "RuntimeVersion" : "RuntimeVersionSource" }))

export const RuntimeVersion = runtimeVersion(opt)
export type RuntimeVersion = typeof RuntimeVersion.Type

/** runtimes/*.yaml as written by pack authors (Attune-compatible). */
export const RuntimeSource = Schema.Struct({
  ref: opt(Schema.String),
  pack_ref: optNull(Schema.String),
  name: optNull(Schema.String),
  label: optNull(Schema.String),
  description: optNull(Schema.String),
  aliases: optNull(Schema.Array(Schema.String)),
  distributions: optNull(distributions(optNull)),
  installation: optNull(Json),
  installers: optNull(Json),
  execution_config: optNull(executionConfig(optNull)),
  versions: optNull(Schema.Array(runtimeVersion(optNull))),
  enabled: optNull(Schema.Boolean),
  tags: optNull(Schema.Array(Schema.String)),
  meta: optNull(Json),
}).pipe(Schema.annotations({ identifier: "RuntimeSource", title: "packsmith runtime (runtimes/*.yaml)" }))
export type RuntimeSource = typeof RuntimeSource.Type

/** A runtime after normalization: qualified ref, defaults applied. Stored in bundles and the registry. */
export const Runtime = Schema.Struct({
  ref: Schema.String,
  pack_ref: Schema.String,
  name: Schema.String,
  description: opt(Schema.String),
  aliases: Schema.Array(Schema.String),
  distributions: Distributions,
  installation: opt(Json),
  execution_config: ExecutionConfig,
  versions: Schema.Array(RuntimeVersion),
}).pipe(Schema.annotations({ identifier: "Runtime" }))
export type Runtime = typeof Runtime.Type
