/** sensors/*.yaml (Attune §1.6). `poll_interval`, dropped by Attune's loader, is kept. */
import { Schema } from "effect"
import { EntryPoint } from "./Action.js"
import { ParameterSchema, ParametersSource } from "./Parameters.js"
import {
  JsonObject, PositiveInt, StringList, documentationFields, opt, optNull, placementFields, placementSourceFields,
  retentionFields, componentIdentity,
} from "./SourceFields.js"

export const SensorSource = Schema.Struct({
  ref: opt(Schema.String),
  name: optNull(Schema.String),
  label: optNull(Schema.String),
  description: optNull(Schema.String),
  enabled: optNull(Schema.Boolean),
  runner_type: optNull(Schema.String),
  entry_point: Schema.String,
  trigger_types: optNull(StringList),
  trigger_type: optNull(Schema.String),
  parameters: optNull(ParametersSource),
  config: optNull(JsonObject),
  poll_interval: optNull(PositiveInt),
  runtime_version: optNull(Schema.String),
  /** StackStorm writes the pack a component belongs to; it must be the pack the file is in. */
  pack: optNull(Schema.String),
  ...placementSourceFields,
  ...retentionFields,
  ...documentationFields,
}).pipe(Schema.annotations({ identifier: "SensorSource", title: "packsmith sensor (sensors/*.yaml)" }))
export type SensorSource = typeof SensorSource.Type

export const Sensor = Schema.Struct({
  ...componentIdentity,
  runner_type: Schema.String,
  runtime: Schema.String,
  entry_point: EntryPoint,
  trigger_types: StringList,
  parameters: ParameterSchema,
  config: opt(JsonObject),
  poll_interval: opt(PositiveInt),
  runtime_version: opt(Schema.String),
  ...placementFields,
  ...retentionFields,
  tags: StringList,
  meta: opt(JsonObject),
  examples: opt(Schema.Array(Schema.Unknown)),
}).pipe(Schema.annotations({ identifier: "Sensor" }))
export type Sensor = typeof Sensor.Type
