/**
 * queues/*.yaml (Attune §1.9): work queues whose items are dispatched to an action. Attune decodes these with
 * serde (`WorkQueueDefinition`, unknown keys rejected): only its `Option` fields take null.
 */
import { Schema } from "effect"
import { ParameterSchema, ParametersSource } from "./Parameters.js"
import { Json, JsonObject, NonNegativeInt, PositiveInt, StringList, opt, optNull, type Optional } from "./SourceFields.js"

export const UpdateStrategy = Schema.Literal("immutable", "replace", "merge_patch")
export const BatchMode = Schema.Literal("single", "batch")

/**
 * A dispatch setting Attune resolves when it dispatches (`WorkQueueTunableValue`): a literal, a path into the
 * pack's config, or a keystore ref. packsmith also takes a plain number as shorthand for a literal.
 */
export const QueueTunableValue = Schema.Struct({
  source: Schema.Literal("literal", "pack_config", "keystore"),
  value: optNull(Json),
  path: optNull(Schema.String),
  key_ref: optNull(Schema.String),
  fallback: optNull(Json),
}).pipe(Schema.annotations({ identifier: "QueueTunableValue" }))

const queueConfig = (optional: Optional) => Schema.Struct({
  dispatch: optional(Schema.Struct({
    concurrency: optional(Schema.Union(PositiveInt, QueueTunableValue)),
    batch_size: optional(Schema.Union(PositiveInt, QueueTunableValue)),
    inter_execution_delay_seconds: optional(Schema.NonNegative),
    retry_limit: optional(NonNegativeInt),
    coalescing: optional(Schema.Struct({
      enabled: opt(Schema.Boolean),
      group_by_path: optional(Schema.String),
      across_priorities: opt(Schema.Boolean),
    })),
  })),
  /** The version of the acknowledgement an execution returns for its leased items (`queue_ack`). */
  ack_contract: optional(Schema.Struct({ version: opt(Schema.Int) })),
}).pipe(Schema.annotations({ identifier: optional === opt ? "QueueConfig" : "QueueConfigSource" }))

export const QueueConfig = queueConfig(opt)

export const WorkQueueSource = Schema.Struct({
  ref: opt(Schema.String),
  name: optNull(Schema.String),
  label: optNull(Schema.String),
  description: optNull(Schema.String),
  enabled: opt(Schema.Boolean),
  accepting_new_items: opt(Schema.Boolean),
  dispatch_action: opt(Schema.String),
  default_priority: opt(Schema.Int),
  allow_pending_update: opt(Schema.Boolean),
  update_strategy: opt(UpdateStrategy),
  batch_mode: opt(BatchMode),
  item_schema: opt(ParametersSource),
  action_params: opt(JsonObject),
  permission_set_refs: optNull(StringList),
  config: opt(queueConfig(optNull)),
}).pipe(Schema.annotations({ identifier: "WorkQueueSource", title: "packsmith work queue (queues/*.yaml)" }))
export type WorkQueueSource = typeof WorkQueueSource.Type

export const WorkQueue = Schema.Struct({
  ref: Schema.String,
  pack: Schema.String,
  label: Schema.String,
  description: opt(Schema.String),
  enabled: Schema.Boolean,
  accepting_new_items: Schema.Boolean,
  dispatch_action: opt(Schema.String),
  default_priority: opt(Schema.Int),
  allow_pending_update: opt(Schema.Boolean),
  update_strategy: opt(UpdateStrategy),
  batch_mode: opt(BatchMode),
  item_schema: opt(ParameterSchema),
  action_params: opt(JsonObject),
  permission_set_refs: opt(StringList),
  config: opt(QueueConfig),
}).pipe(Schema.annotations({ identifier: "WorkQueue" }))
export type WorkQueue = typeof WorkQueue.Type
