/**
 * Workflow definitions (Attune §1.8): a graph file linked from an action's `workflow_file`, or a standalone
 * file with its own ref. Legacy task transitions (on_success, on_failure, on_complete, on_timeout, decision,
 * task-level publish) are accepted and normalized into `next`. A null is accepted where Attune's parser takes
 * it (its `Option` fields) and read as absent.
 */
import { Schema } from "effect"
import { ParametersSource } from "./Parameters.js"
import {
  Json, JsonObject, NonNegativeInt, PermissionSetRefsSource, PositiveInt, StringList, opt, optNull, placementFields,
  placementSourceFields,
} from "./SourceFields.js"

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

/** Attune's legacy decision branch: go to `next` when `when` holds (`default`: when no other branch does). */
export const DecisionSource = Schema.Struct({
  when: optNull(Schema.String),
  next: opt(Schema.String),
  /** packsmith's spelling of `next`, which also takes a list. */
  do: opt(Schema.Union(Schema.String, StringList)),
  default: optNull(Schema.Boolean),
  publish: opt(PublishSource),
}).pipe(Schema.annotations({ identifier: "DecisionSource" }))

/** A branch nested in a legacy transition's `do`: taken when both conditions hold. */
export const NestedBranchSource = Schema.Struct({
  when: optNull(Schema.String),
  next: Schema.String,
}).pipe(Schema.annotations({ identifier: "NestedBranchSource" }))

/** An item of a legacy transition list: `{when, do}`, where `do` may hold nested `{when, next}` branches. */
export const LegacyTransitionItemSource = Schema.Struct({
  when: opt(Schema.String),
  publish: opt(PublishSource),
  do: opt(Schema.Union(Schema.String, Schema.Array(Schema.Union(Schema.String, NestedBranchSource)))),
  label: opt(Schema.String),
  color: opt(Schema.String),
  waypoints: opt(Json),
}).pipe(Schema.annotations({ identifier: "LegacyTransitionItemSource" }))

/** Legacy `on_success: task` / `on_success: [task, {when, do}]`. */
export const LegacyTransitionSource = Schema.Union(
  Schema.String,
  Schema.Array(Schema.Union(Schema.String, LegacyTransitionItemSource)),
)

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
  description: optNull(Schema.String),
  input: opt(JsonObject),
  /** One ref or a list (Attune reads either); `permission_set_ref` is its alias. */
  permission_set_refs: optNull(PermissionSetRefsSource),
  permission_set_ref: optNull(PermissionSetRefsSource),
  ...placementSourceFields,
  when: optNull(Schema.String),
  with_items: optNull(Schema.Union(Schema.String, Schema.Array(Json))),
  batch_size: optNull(IntOrTemplate),
  concurrency: optNull(IntOrTemplate),
  retry: optNull(TaskRetry),
  /** Seconds, or a template Attune renders to seconds when the task runs. */
  timeout: optNull(IntOrTemplate),
  delay: optNull(NonNegativeInt),
  join: optNull(Schema.Union(PositiveInt, Schema.Literal("all"))),
  next: opt(Schema.Array(TransitionSource)),
  on_success: optNull(LegacyTransitionSource),
  on_failure: optNull(LegacyTransitionSource),
  on_complete: optNull(LegacyTransitionSource),
  on_timeout: optNull(LegacyTransitionSource),
  decision: opt(Schema.Array(DecisionSource)),
  publish: opt(PublishSource),
  __chart_meta__: optNull(Json),
}).pipe(Schema.annotations({ identifier: "TaskSource" }))
export type TaskSource = typeof TaskSource.Type

export const CancellationPolicy = Schema.Literal("allow_finish", "cancel_running")

/**
 * Orquesta-style declared inputs: a name, or `{name: default}`. They become parameters of the workflow
 * (without a type) unless `parameters` declares them.
 */
export const WorkflowInputSource = Schema.Array(Schema.Union(Schema.String, Schema.Record({ key: Schema.String, value: Json })))

export const WorkflowSource = Schema.Struct({
  ref: opt(Schema.String),
  name: optNull(Schema.String),
  label: optNull(Schema.String),
  description: optNull(Schema.String),
  enabled: optNull(Schema.Boolean),
  version: opt(Schema.String),
  parameters: optNull(ParametersSource),
  input: optNull(WorkflowInputSource),
  output: optNull(ParametersSource),
  output_schema: optNull(ParametersSource),
  vars: opt(Schema.Union(JsonObject, Schema.Array(JsonObject))),
  tasks: Schema.Array(TaskSource),
  output_map: optNull(JsonObject),
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
  timeout: opt(IntOrTemplate),
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
