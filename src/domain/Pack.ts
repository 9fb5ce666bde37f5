/**
 * pack.yaml. Accepts the keys of both Attune loaders (the Python loader reads label/conf_schema/meta/tags,
 * the API reads name/config_schema/metadata/keywords) plus StackStorm's, and normalizes them to one shape.
 */
import { Schema } from "effect"
import { ParameterSchema, ParametersSource } from "./Parameters.js"
import { Json, JsonObject, StringList, opt } from "./SourceFields.js"

/** `core`, `core@^1.2`, or `{ref: core, version: "^1.2"}`. */
export const PackDependencySource = Schema.Union(
  Schema.String,
  Schema.Struct({ ref: Schema.String, version: opt(Schema.String) }),
).pipe(Schema.annotations({ identifier: "PackDependencySource" }))

export const PackTestRunner = Schema.Struct({
  type: opt(Schema.String),
  entry_point: opt(Schema.String),
  timeout: opt(Schema.Number),
  result_format: opt(Schema.String),
})

export const PackTesting = Schema.Struct({
  enabled: opt(Schema.Boolean),
  discovery: opt(Schema.Struct({ method: opt(Schema.String), path: opt(Schema.String) })),
  runners: opt(Schema.Record({ key: Schema.String, value: PackTestRunner })),
  result_path: opt(Schema.String),
  min_pass_rate: opt(Schema.Number),
  on_failure: opt(Schema.String),
}).pipe(Schema.annotations({ identifier: "PackTesting" }))

export const PackManifestSource = Schema.Struct({
  ref: opt(Schema.String),
  name: opt(Schema.String),
  label: opt(Schema.String),
  description: opt(Schema.String),
  version: Schema.String,
  author: opt(Schema.String),
  email: opt(Schema.String),
  contributors: opt(StringList),
  system: opt(Schema.Boolean),
  enabled: opt(Schema.Boolean),
  conf_schema: opt(ParametersSource),
  config_schema: opt(ParametersSource),
  config: opt(JsonObject),
  meta: opt(JsonObject),
  metadata: opt(JsonObject),
  tags: opt(StringList),
  keywords: opt(StringList),
  runtime_deps: opt(StringList),
  dependencies: opt(Schema.Array(PackDependencySource)),
  python_dependencies: opt(StringList),
  python_versions: opt(StringList),
  python: opt(Schema.String),
  nodejs: opt(Schema.String),
  testing: opt(PackTesting),
  installation: opt(JsonObject),
  installers: opt(Json),
}).pipe(Schema.annotations({ identifier: "PackManifestSource", title: "packsmith pack manifest (pack.yaml)" }))
export type PackManifestSource = typeof PackManifestSource.Type

export const PackDependency = Schema.Struct({ ref: Schema.String, version: opt(Schema.String) })
export type PackDependency = typeof PackDependency.Type

/** A pack manifest after normalization, as stored in the bundle. */
export const PackManifest = Schema.Struct({
  ref: Schema.String,
  label: Schema.String,
  description: opt(Schema.String),
  version: Schema.String,
  author: opt(Schema.String),
  email: opt(Schema.String),
  contributors: opt(StringList),
  system: Schema.Boolean,
  enabled: Schema.Boolean,
  conf_schema: opt(ParameterSchema),
  /** Non-secret defaults only; secret values are rejected by the compiler. */
  config: opt(JsonObject),
  meta: opt(JsonObject),
  tags: StringList,
  runtime_deps: StringList,
  dependencies: Schema.Array(PackDependency),
  python_dependencies: opt(StringList),
  python_versions: opt(StringList),
  python: opt(Schema.String),
  nodejs: opt(Schema.String),
  testing: opt(PackTesting),
  installation: opt(JsonObject),
  installers: opt(Json),
}).pipe(Schema.annotations({ identifier: "PackManifest" }))
export type PackManifest = typeof PackManifest.Type
