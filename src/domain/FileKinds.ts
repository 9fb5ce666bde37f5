/**
 * The kinds of YAML file a pack holds, where each lives, and the source schema each is decoded with.
 * `fileKindJsonSchema` serves `packsmith schema <kind>` (usable by yaml-language-server).
 */
import { JSONSchema, Schema } from "effect"
import { ActionSource } from "./Action.js"
import { AgentManifestSource } from "./AgentManifest.js"
import { PackManifestSource } from "./Pack.js"
import { PermissionSetSource } from "./PermissionSet.js"
import { RuleSource } from "./Rule.js"
import { RuntimeSource } from "./Runtime.js"
import { RuntimeProfileSource } from "./RuntimeProfile.js"
import { SensorSource } from "./Sensor.js"
import { TriggerSource } from "./Trigger.js"
import { WorkQueueSource } from "./WorkQueue.js"
import { WorkflowSource } from "./Workflow.js"

export const FILE_KINDS = [
  "pack", "runtime", "action", "workflow", "trigger", "sensor", "rule", "profile", "agent", "permission_set", "queue",
] as const
export const FileKind = Schema.Literal(...FILE_KINDS)
export type FileKind = typeof FileKind.Type

export const FILE_KIND_SCHEMAS = {
  pack: PackManifestSource,
  runtime: RuntimeSource,
  action: ActionSource,
  workflow: WorkflowSource,
  trigger: TriggerSource,
  sensor: SensorSource,
  rule: RuleSource,
  profile: RuntimeProfileSource,
  agent: AgentManifestSource,
  permission_set: PermissionSetSource,
  queue: WorkQueueSource,
} as const satisfies Record<FileKind, Schema.Schema.AnyNoContext>

/** Where files of each kind live inside a pack (a directory scanned non-recursively). */
export const FILE_KIND_DIRECTORIES: ReadonlyArray<readonly [directory: string, kind: FileKind]> = [
  ["runtimes", "runtime"],
  ["actions", "action"],
  ["actions/workflows", "workflow"],
  ["workflows", "workflow"],
  ["triggers", "trigger"],
  ["sensors", "sensor"],
  ["rules", "rule"],
  ["profiles", "profile"],
  ["agents", "agent"],
  ["permission_sets", "permission_set"],
  ["queues", "queue"],
]

/** JSON Schema (draft-07) of a file kind as authors write it. */
export const fileKindJsonSchema = (kind: FileKind): JSONSchema.JsonSchema7Root => {
  const schema: Schema.Schema.AnyNoContext = FILE_KIND_SCHEMAS[kind]
  return JSONSchema.make(schema)
}
