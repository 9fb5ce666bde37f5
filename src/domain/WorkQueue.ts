/** queues/*.yaml (Attune §1.9): work queues whose items are dispatched to an action. */
import { Schema } from "effect"
import { ParameterSchema, ParametersSource } from "./Parameters.js"
import { JsonObject, NonNegativeInt, PositiveInt, StringList, opt } from "./SourceFields.js"

export const UpdateStrategy = Schema.Literal("immutable", "replace", "merge_patch")
export const BatchMode = Schema.Literal("single", "batch")

export const QueueDispatchConfig = Schema.Struct({
  concurrency: opt(PositiveInt),
  batch_size: opt(PositiveInt),
  inter_execution_delay_seconds: opt(Schema.NonNegative),
  retry_limit: opt(NonNegativeInt),
  coalescing: opt(Schema.Struct({
    enabled: opt(Schema.Boolean),
    group_by_path: opt(Schema.String),
    across_priorities: opt(Schema.Boolean),
  })),
})

export const WorkQueueSource = Schema.Struct({
  ref: opt(Schema.String),
  name: opt(Schema.String),
  label: opt(Schema.String),
  description: opt(Schema.String),
  enabled: opt(Schema.Boolean),
  accepting_new_items: opt(Schema.Boolean),
  dispatch_action: opt(Schema.String),
  default_priority: opt(Schema.Int),
  allow_pending_update: opt(Schema.Boolean),
  update_strategy: opt(UpdateStrategy),
  batch_mode: opt(BatchMode),
  item_schema: opt(ParametersSource),
  action_params: opt(JsonObject),
  permission_set_refs: opt(StringList),
  config: opt(Schema.Struct({ dispatch: opt(QueueDispatchConfig) })),
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
  config: opt(Schema.Struct({ dispatch: opt(QueueDispatchConfig) })),
}).pipe(Schema.annotations({ identifier: "WorkQueue" }))
export type WorkQueue = typeof WorkQueue.Type
