/**
 * pack.yaml. Accepts the keys of both Attune loaders (the Python loader reads label/conf_schema/meta/tags/
 * system, the API reads name/config_schema/metadata/keywords) plus StackStorm's, and normalizes them to one
 * shape. A null is read as absent, as Attune's API loader reads it.
 */
import { Schema } from "effect"
import { ParameterSchema, ParametersSource } from "./Parameters.js"
import { Json, JsonObject, StringList, opt, optNull } from "./SourceFields.js"

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
  name: optNull(Schema.String),
  label: optNull(Schema.String),
  description: optNull(Schema.String),
  version: Schema.String,
  author: optNull(Schema.String),
  email: optNull(Schema.String),
  contributors: optNull(StringList),
  system: optNull(Schema.Boolean),
  /** Attune's name for `system` (its `pack.is_standard` column): a pack shipped with the platform. */
  is_standard: optNull(Schema.Boolean),
  enabled: optNull(Schema.Boolean),
  conf_schema: optNull(ParametersSource),
  config_schema: optNull(ParametersSource),
  config: optNull(JsonObject),
  meta: optNull(JsonObject),
  metadata: optNull(JsonObject),
  tags: optNull(StringList),
  keywords: optNull(StringList),
  runtime_deps: optNull(StringList),
  dependencies: optNull(Schema.Array(PackDependencySource)),
  python_dependencies: optNull(StringList),
  python_versions: optNull(StringList),
  python: optNull(Schema.String),
  nodejs: optNull(Schema.String),
  testing: optNull(PackTesting),
  installation: optNull(JsonObject),
  installers: optNull(Json),
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
