/**
 * Runtime definitions in Attune's format (runtimes/*.yaml): how to verify an interpreter on a host and how to
 * run an entry point with it. The same shape is stored in the bundle and in the registry.
 */
import { Schema } from "effect"

const opt = <S extends Schema.Schema.Any>(s: S) => Schema.optionalWith(s, { exact: true })
const Json = Schema.Unknown

export const VerificationCommand = Schema.Struct({
  binary: Schema.NonEmptyString,
  args: opt(Schema.Array(Schema.String)),
  /** Expected exit code; default 0. */
  exit_code: opt(Schema.Int),
  /** Regular expression matched against stdout + stderr. */
  pattern: opt(Schema.String),
  /** Lower runs first; default 999. */
  priority: opt(Schema.Int),
  /**
   * Accepted as Attune writes it. The first command that passes verifies the runtime and a command that fails
   * only moves on to the next, so marking one optional changes nothing here.
   */
  optional: opt(Schema.Boolean),
}).pipe(Schema.annotations({ identifier: "VerificationCommand" }))
export type VerificationCommand = typeof VerificationCommand.Type

export const Distributions = Schema.Struct({
  verification: opt(Schema.Struct({
    commands: opt(Schema.Array(VerificationCommand)),
    always_available: opt(Schema.Boolean),
    check_required: opt(Schema.Boolean),
  })),
  min_version: opt(Schema.String),
  recommended_version: opt(Schema.String),
}).pipe(Schema.annotations({ identifier: "Distributions" }))
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

export const ExecutionConfig = Schema.Struct({
  interpreter: opt(Schema.Struct({
    /** Empty or absent binary: the entry point is executed directly (native). */
    binary: opt(Schema.String),
    args: opt(Schema.Array(Schema.String)),
    file_extension: opt(Schema.String),
  })),
  inline_execution: opt(Schema.Struct({
    strategy: opt(Schema.Literal("direct", "temp_file")),
    extension: opt(Schema.String),
    inject_shell_helpers: opt(Schema.Boolean),
  })),
  environment: opt(Schema.Struct({
    env_type: opt(Schema.String),
    dir_name: opt(Schema.String),
    create_command: opt(Schema.Array(Schema.String)),
    interpreter_path: opt(Schema.String),
  })),
  dependencies: opt(Schema.Struct({
    manifest_file: opt(Schema.String),
    install_command: opt(Schema.Array(Schema.String)),
  })),
  env_vars: opt(Schema.Record({ key: Schema.String, value: EnvVarSpec })),
}).pipe(Schema.annotations({ identifier: "ExecutionConfig" }))
export type ExecutionConfig = typeof ExecutionConfig.Type

/** The interpreter binary an execution config names; undefined when it runs the entry point itself. */
export const interpreterBinary = (config: ExecutionConfig): string | undefined => {
  const binary = config.interpreter?.binary?.trim()
  return binary === undefined || binary === "" ? undefined : binary
}

export const RuntimeVersion = Schema.Struct({
  version: Schema.String,
  is_default: opt(Schema.Boolean),
  distributions: opt(Distributions),
  /** A complete replacement of the runtime's execution_config, not a diff. */
  execution_config: opt(ExecutionConfig),
  meta: opt(Json),
}).pipe(Schema.annotations({ identifier: "RuntimeVersion" }))
export type RuntimeVersion = typeof RuntimeVersion.Type

/** runtimes/*.yaml as written by pack authors (Attune-compatible). */
export const RuntimeSource = Schema.Struct({
  ref: opt(Schema.String),
  pack_ref: opt(Schema.String),
  name: opt(Schema.String),
  label: opt(Schema.String),
  description: opt(Schema.String),
  aliases: opt(Schema.Array(Schema.String)),
  distributions: opt(Distributions),
  installation: opt(Json),
  installers: opt(Json),
  execution_config: opt(ExecutionConfig),
  versions: opt(Schema.Array(RuntimeVersion)),
  enabled: opt(Schema.Boolean),
  tags: opt(Schema.Array(Schema.String)),
  meta: opt(Json),
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
