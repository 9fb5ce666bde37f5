/**
 * rules/*.yaml (Attune §1.7). Conditions come in three formats: `{expression}`, the legacy list of
 * `{field, operator, value}` (all must hold), and `{}` / `[]` (always matches, normalized to `[]`).
 */
import { Schema } from "effect"
import { JsonObject, PermissionSetRefsSource, StringList, documentationFields, opt, optNull, componentIdentity } from "./SourceFields.js"

export const ConditionCheck = Schema.Struct({
  field: Schema.String,
  operator: Schema.String,
  value: opt(Schema.Unknown),
}).pipe(Schema.annotations({ identifier: "ConditionCheck" }))
export type ConditionCheck = typeof ConditionCheck.Type

export const ConditionExpression = Schema.Struct({ expression: Schema.String }).pipe(
  Schema.annotations({ identifier: "ConditionExpression" }),
)

export const RuleConditions = Schema.Union(
  ConditionExpression,
  Schema.Array(ConditionCheck),
  Schema.Struct({}),
).pipe(Schema.annotations({ identifier: "RuleConditions" }))

export const LEGACY_CONDITION_OPERATORS = ["equals", "not_equals", "contains"] as const

export const RuleSource = Schema.Struct({
  ref: opt(Schema.String),
  name: optNull(Schema.String),
  label: optNull(Schema.String),
  description: optNull(Schema.String),
  enabled: optNull(Schema.Boolean),
  trigger_ref: Schema.String,
  action_ref: Schema.String,
  /** Null, like `{}` and `[]`, always matches. */
  conditions: optNull(RuleConditions),
  action_params: optNull(JsonObject),
  trigger_params: optNull(JsonObject),
  /** Absent or null: inherit the action's default; `[]`: no API token. One ref may be written alone. */
  permission_set_refs: optNull(PermissionSetRefsSource),
  permission_set_ref: optNull(PermissionSetRefsSource),
  /** StackStorm writes the pack a component belongs to; it must be the pack the file is in. */
  pack: optNull(Schema.String),
  ...documentationFields,
}).pipe(Schema.annotations({ identifier: "RuleSource", title: "packsmith rule (rules/*.yaml)" }))
export type RuleSource = typeof RuleSource.Type

export const Rule = Schema.Struct({
  ...componentIdentity,
  trigger_ref: Schema.String,
  action_ref: Schema.String,
  conditions: Schema.Union(ConditionExpression, Schema.Array(ConditionCheck)),
  action_params: JsonObject,
  trigger_params: JsonObject,
  permission_set_refs: opt(StringList),
  tags: StringList,
  meta: opt(JsonObject),
  examples: opt(Schema.Array(Schema.Unknown)),
}).pipe(Schema.annotations({ identifier: "Rule" }))
export type Rule = typeof Rule.Type
