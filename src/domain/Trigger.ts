/** triggers/*.yaml (Attune §1.5): `parameters` configure a rule's use of the trigger, `output` is the payload. */
import { Schema } from "effect"
import { ParameterSchema, ParametersSource } from "./Parameters.js"
import { JsonObject, StringList, documentationFields, opt, optNull, componentIdentity } from "./SourceFields.js"

export const TriggerSource = Schema.Struct({
  ref: opt(Schema.String),
  name: optNull(Schema.String),
  label: optNull(Schema.String),
  description: optNull(Schema.String),
  enabled: optNull(Schema.Boolean),
  /** interval, cron, datetime, system, webhook, ... (informational). */
  type: optNull(Schema.String),
  parameters: optNull(ParametersSource),
  output: optNull(ParametersSource),
  output_schema: optNull(ParametersSource),
  /** StackStorm writes the pack a component belongs to; it must be the pack the file is in. */
  pack: optNull(Schema.String),
  ...documentationFields,
}).pipe(Schema.annotations({ identifier: "TriggerSource", title: "packsmith trigger (triggers/*.yaml)" }))
export type TriggerSource = typeof TriggerSource.Type

export const Trigger = Schema.Struct({
  ...componentIdentity,
  type: opt(Schema.String),
  parameters: ParameterSchema,
  output: opt(ParameterSchema),
  tags: StringList,
  meta: opt(JsonObject),
  examples: opt(Schema.Array(Schema.Unknown)),
}).pipe(Schema.annotations({ identifier: "Trigger" }))
export type Trigger = typeof Trigger.Type
