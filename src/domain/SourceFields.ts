/**
 * Field groups shared by several pack file kinds (placement, retention, free-form JSON), so each kind's
 * schema reads as the list of its own keys.
 */
import { Schema } from "effect"

/** An optional key that is absent rather than `undefined` when missing. */
export const opt = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

/**
 * An optional key that may also be written `null`, meaning absent: what Attune reads as `Option<T>` (serde
 * accepts null) or through a YAML value lookup that treats null as missing (`.get(k).and_then(as_str)`).
 * The decoded type has no null; the compiler drops such nulls before normalizing (absentNulls.ts).
 */
export const optNull = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true, nullable: true })

/** `opt` or `optNull`: for field groups shared by a source schema (nullable) and its compiled form (not). */
export type Optional = typeof opt | typeof optNull

/** Any JSON value (YAML loaded with the core schema yields only JSON values). */
export const Json = Schema.Unknown.pipe(Schema.annotations({ identifier: "Json", description: "Any JSON value" }))
export const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown }).pipe(
  Schema.annotations({ identifier: "JsonObject", description: "A JSON object" }),
)
export type JsonObject = typeof JsonObject.Type

export const StringList = Schema.Array(Schema.String)
export const PositiveInt = Schema.Int.pipe(Schema.positive())
export const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())

export const RetentionPolicy = Schema.Literal("versions", "days", "hours", "minutes")

/**
 * Kubernetes-style worker placement (Attune §5.4): stored verbatim, interpreted by the scheduler. Attune's
 * loaders store a `null` as given, which the scheduler reads as no constraint: absent.
 */
const placement = (optional: Optional) => ({
  worker_selector: optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  worker_tolerations: optional(Schema.Array(JsonObject)),
  worker_affinity: optional(JsonObject),
})
export const placementFields = placement(opt)
export const placementSourceFields = placement(optNull)

export const retentionFields = {
  log_retention_policy: opt(RetentionPolicy),
  log_retention_limit: opt(NonNegativeInt),
  artifact_retention_policy: opt(RetentionPolicy),
  artifact_retention_limit: opt(NonNegativeInt),
} as const

/** Identity every compiled component carries: qualified ref, its pack, short name, label, enabled. */
export const componentIdentity = {
  ref: Schema.String,
  pack: Schema.String,
  name: Schema.String,
  label: Schema.String,
  description: opt(Schema.String),
  enabled: Schema.Boolean,
} as const

/** Keys Attune files carry for people and UIs; accepted everywhere they appear in the wild (null: none). */
export const documentationFields = {
  tags: optNull(StringList),
  meta: optNull(JsonObject),
  examples: optNull(Schema.Array(Json)),
} as const

/** Attune's permission_set_refs: one ref, a list, or null (inherit); `permission_set_ref` is its alias. */
export const PermissionSetRefsSource = Schema.Union(Schema.String, StringList)

export const ParameterDelivery = Schema.Literal("stdin", "file")
export type ParameterDelivery = typeof ParameterDelivery.Type
export const ParameterFormat = Schema.Literal("dotenv", "json", "yaml")
export type ParameterFormat = typeof ParameterFormat.Type
export const OutputFormat = Schema.Literal("text", "json", "yaml", "jsonl")
export type OutputFormat = typeof OutputFormat.Type
