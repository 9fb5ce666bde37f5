/**
 * actions/*.yaml (Attune §1.4). `ref` or StackStorm-style `name` (Attune's Python loader qualifies a bare
 * `name` with the pack); `output`, `output_schema` and `out_schema` are all accepted (Attune's loader reads
 * only `output`), and timeout/enabled/tags are honoured rather than dropped. Retention keys take no null:
 * Attune's loader rejects it.
 */
import { Schema } from "effect"
import { ParameterSchema, ParametersSource } from "./Parameters.js"
import {
  JsonObject, OutputFormat, ParameterDelivery, ParameterFormat, PositiveInt, StringList,
  documentationFields, opt, optNull, placementFields, placementSourceFields, retentionFields, componentIdentity,
} from "./SourceFields.js"

export const ActionSource = Schema.Struct({
  ref: opt(Schema.String),
  name: optNull(Schema.String),
  label: optNull(Schema.String),
  description: optNull(Schema.String),
  enabled: optNull(Schema.Boolean),
  runner_type: optNull(Schema.String),
  entry_point: optNull(Schema.String),
  workflow_file: optNull(Schema.String),
  parameters: optNull(ParametersSource),
  output: optNull(ParametersSource),
  output_schema: optNull(ParametersSource),
  /** Attune's column name for `output`, written by some of its packs (its loader reads neither this nor `output_schema`). */
  out_schema: optNull(ParametersSource),
  parameter_delivery: optNull(ParameterDelivery),
  parameter_format: optNull(ParameterFormat),
  output_format: optNull(OutputFormat),
  runtime_version: optNull(Schema.String),
  required_worker_runtimes: optNull(Schema.Record({ key: Schema.String, value: Schema.String })),
  accesses_mcp: optNull(Schema.Boolean),
  default_execution_permission_set_refs: optNull(StringList),
  timeout: optNull(PositiveInt),
  /** StackStorm writes the pack a component belongs to; it must be the pack the file is in. */
  pack: optNull(Schema.String),
  ...placementSourceFields,
  ...retentionFields,
  ...documentationFields,
}).pipe(Schema.annotations({ identifier: "ActionSource", title: "packsmith action (actions/*.yaml)" }))
export type ActionSource = typeof ActionSource.Type

/** How the entry point is carried: a file of the pack, inline code (shell), or a host binary (native). */
export const EntryPointKind = Schema.Literal("file", "inline", "host")
export type EntryPointKind = typeof EntryPointKind.Type

export const EntryPoint = Schema.Struct({
  kind: EntryPointKind,
  /** As written in the YAML. */
  value: Schema.String,
  /** Pack-relative path of the file (kind "file"); a key of the bundle's file table is `<pack>/<path>`. */
  path: opt(Schema.String),
}).pipe(Schema.annotations({ identifier: "EntryPoint" }))
export type EntryPoint = typeof EntryPoint.Type

/** An action after normalization, as stored in the bundle. Workflow actions have `workflow` and no runtime. */
export const Action = Schema.Struct({
  ...componentIdentity,
  runner_type: opt(Schema.String),
  runtime: opt(Schema.String),
  entry_point: opt(EntryPoint),
  workflow: opt(Schema.String),
  parameters: ParameterSchema,
  output: opt(ParameterSchema),
  parameter_delivery: ParameterDelivery,
  parameter_format: ParameterFormat,
  output_format: OutputFormat,
  runtime_version: opt(Schema.String),
  required_worker_runtimes: opt(Schema.Record({ key: Schema.String, value: Schema.String })),
  accesses_mcp: Schema.Boolean,
  default_execution_permission_set_refs: opt(StringList),
  timeout: opt(PositiveInt),
  ...placementFields,
  ...retentionFields,
  tags: StringList,
  meta: opt(JsonObject),
  examples: opt(Schema.Array(Schema.Unknown)),
}).pipe(Schema.annotations({ identifier: "Action" }))
export type Action = typeof Action.Type
