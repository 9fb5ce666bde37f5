/** permission_sets/*.yaml (Attune §1.9): grants are stored verbatim and interpreted by the API's RBAC. */
import { Schema } from "effect"
import { JsonObject, opt, optNull } from "./SourceFields.js"

export const PermissionSetSource = Schema.Struct({
  ref: opt(Schema.String),
  name: optNull(Schema.String),
  label: optNull(Schema.String),
  description: optNull(Schema.String),
  grants: Schema.Array(JsonObject),
}).pipe(Schema.annotations({ identifier: "PermissionSetSource", title: "packsmith permission set (permission_sets/*.yaml)" }))
export type PermissionSetSource = typeof PermissionSetSource.Type

export const PermissionSet = Schema.Struct({
  ref: Schema.String,
  pack: Schema.String,
  label: Schema.String,
  description: opt(Schema.String),
  grants: Schema.Array(JsonObject),
}).pipe(Schema.annotations({ identifier: "PermissionSet" }))
export type PermissionSet = typeof PermissionSet.Type
