/**
 * Workflow definitions (Attune §1.8): a graph file linked from an action's `workflow_file`, or a standalone
 * file with its own ref. Legacy task transitions (on_success, on_failure, on_complete, on_timeout, decision,
 * task-level publish) are accepted and normalized into `next`.
 */
import { Schema } from "effect"
import { ParametersSource } from "./Parameters.js"
import { Json, JsonObject, NonNegativeInt, PositiveInt, StringList, opt, placementFields } from "./SourceFields.js"

/** `publish` as a list of single-key maps or as one map (normalized to a list sorted by variable). */
export const PublishSource = Schema.Union(Schema.Array(JsonObject), JsonObject)

export const TransitionSource = Schema.Struct({
  when: opt(Schema.String),
  publish: opt(PublishSource),
  do: opt(Schema.Union(Schema.String, StringList)),
  label: opt(Schema.String),
  color: opt(Schema.String),
  waypoints: opt(Json),
}).pipe(Schema.annotations({ identifier: "TransitionSource" }))

/** Legacy `on_success: task` / `on_success: [task, {when, do}]`. */
export const LegacyTransitionSource = Schema.Union(
  Schema.String,
  Schema.Array(Schema.Union(Schema.String, TransitionSource)),
)

export const DecisionSource = Schema.Struct({
  when: opt(Schema.String),
  do: Schema.Union(Schema.String, StringList),
  default: opt(Schema.Boolean),
  publish: opt(PublishSource),
})

export const RetryBackoff = Schema.Literal("constant", "linear", "exponential")
export const TaskRetry = Schema.Struct({
  count: Schema.Int.pipe(Schema.between(1, 100)),
  delay: opt(Schema.NonNegative),
  backoff: opt(RetryBackoff),
  max_delay: opt(Schema.NonNegative),
  on_error: opt(Schema.String),
}).pipe(Schema.annotations({ identifier: "TaskRetry" }))

const IntOrTemplate = Schema.Union(PositiveInt, Schema.String)

export const TaskSource = Schema.Struct({
  name: Schema.String,
  type: opt(Schema.Literal("action", "parallel", "workflow")),
  action: Schema.String,
  description: opt(Schema.String),
  input: opt(JsonObject),
  permission_set_refs: opt(StringList),
  permission_set_ref: opt(Schema.String),
  ...placementFields,
  when: opt(Schema.String),
  with_items: opt(Schema.Union(Schema.String, Schema.Array(Json))),
  batch_size: opt(IntOrTemplate),
  concurrency: opt(IntOrTemplate),
  retry: opt(TaskRetry),
  timeout: opt(PositiveInt),
  delay: opt(NonNegativeInt),
  join: opt(Schema.Union(PositiveInt, Schema.Literal("all"))),
  next: opt(Schema.Array(TransitionSource)),
  on_success: opt(LegacyTransitionSource),
  on_failure: opt(LegacyTransitionSource),
  on_complete: opt(LegacyTransitionSource),
  on_timeout: opt(LegacyTransitionSource),
  decision: opt(Schema.Array(DecisionSource)),
  publish: opt(PublishSource),
  __chart_meta__: opt(Json),
}).pipe(Schema.annotations({ identifier: "TaskSource" }))
export type TaskSource = typeof TaskSource.Type

export const CancellationPolicy = Schema.Literal("allow_finish", "cancel_running")

export const WorkflowSource = Schema.Struct({
  ref: opt(Schema.String),
  name: opt(Schema.String),
  label: opt(Schema.String),
  description: opt(Schema.String),
  enabled: opt(Schema.Boolean),
  version: opt(Schema.String),
  parameters: opt(ParametersSource),
  output: opt(ParametersSource),
  output_schema: opt(ParametersSource),
  vars: opt(Schema.Union(JsonObject, Schema.Array(JsonObject))),
  tasks: Schema.Array(TaskSource),
  output_map: opt(JsonObject),
  cancellation_policy: opt(CancellationPolicy),
  tags: opt(StringList),
  meta: opt(JsonObject),
  metadata: opt(JsonObject),
  examples: opt(Schema.Array(Json)),
}).pipe(Schema.annotations({ identifier: "WorkflowSource", title: "packsmith workflow (actions/workflows/*.yaml, workflows/*.yaml)" }))
export type WorkflowSource = typeof WorkflowSource.Type

export const Transition = Schema.Struct({
  when: opt(Schema.String),
  publish: opt(Schema.Array(JsonObject)),
  do: opt(StringList),
  label: opt(Schema.String),
  color: opt(Schema.String),
  waypoints: opt(Json),
}).pipe(Schema.annotations({ identifier: "Transition" }))
export type Transition = typeof Transition.Type

export const Task = Schema.Struct({
  name: Schema.String,
  type: opt(Schema.Literal("action", "parallel", "workflow")),
  action: Schema.String,
  description: opt(Schema.String),
  input: JsonObject,
  permission_set_refs: opt(StringList),
  ...placementFields,
  when: opt(Schema.String),
  with_items: opt(Schema.Union(Schema.String, Schema.Array(Json))),
  batch_size: opt(IntOrTemplate),
  /** With `with_items`, how many items run at once; Attune's default is 1 (serial). */
  concurrency: opt(IntOrTemplate),
  retry: opt(TaskRetry),
  timeout: opt(PositiveInt),
  delay: opt(NonNegativeInt),
  join: opt(Schema.Union(PositiveInt, Schema.Literal("all"))),
  next: Schema.Array(Transition),
  __chart_meta__: opt(Json),
}).pipe(Schema.annotations({ identifier: "Task" }))
export type Task = typeof Task.Type

/** A workflow graph after normalization. Its ref equals the action that runs it. */
export const Workflow = Schema.Struct({
  ref: Schema.String,
  pack: Schema.String,
  version: opt(Schema.String),
  description: opt(Schema.String),
  vars: JsonObject,
  tasks: Schema.Array(Task),
  output_map: opt(JsonObject),
  cancellation_policy: CancellationPolicy,
}).pipe(Schema.annotations({ identifier: "Workflow" }))
export type Workflow = typeof Workflow.Type
