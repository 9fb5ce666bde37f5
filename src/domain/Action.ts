/**
 * actions/*.yaml (Attune §1.4). `ref` or StackStorm-style `name`; `output` and `output_schema` are both
 * accepted (Attune's loader reads only `output`), and timeout/enabled/tags are honoured rather than dropped.
 */
import { Schema } from "effect"
import { ParameterSchema, ParametersSource } from "./Parameters.js"
import {
  JsonObject, OutputFormat, ParameterDelivery, ParameterFormat, PositiveInt, StringList,
  documentationFields, opt, placementFields, retentionFields, componentIdentity,
} from "./SourceFields.js"

export const ActionSource = Schema.Struct({
  ref: opt(Schema.String),
  name: opt(Schema.String),
  label: opt(Schema.String),
  description: opt(Schema.String),
  enabled: opt(Schema.Boolean),
  runner_type: opt(Schema.String),
  entry_point: opt(Schema.String),
  workflow_file: opt(Schema.String),
  parameters: opt(ParametersSource),
  output: opt(ParametersSource),
  output_schema: opt(ParametersSource),
  parameter_delivery: opt(ParameterDelivery),
  parameter_format: opt(ParameterFormat),
  output_format: opt(OutputFormat),
  runtime_version: opt(Schema.String),
  required_worker_runtimes: opt(Schema.Record({ key: Schema.String, value: Schema.String })),
  accesses_mcp: opt(Schema.Boolean),
  default_execution_permission_set_refs: opt(StringList),
  timeout: opt(PositiveInt),
  ...placementFields,
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
