/**
 * Every registry table as the Schema of its row, mirroring `migrations/`. Adding a column is one field
 * here plus a migration; a test compares these with `information_schema` after migrating.
 */
import { Schema } from "effect"
import { Column, defineTable } from "./TableSchema.js"
import type { AnyTable } from "./TableSchema.js"

const { nullable } = Column

/** multica's supported protocol families, in its order; the runtime_profile CHECK lists the same. */
export const PROTOCOL_FAMILIES = [
  "claude", "codebuddy", "codex", "copilot", "opencode", "deveco", "openclaw", "hermes", "pi", "cursor", "kimi",
  "reasonix", "dsh", "kiro", "antigravity", "qoder", "qoderclicn", "traecli", "grok", "qwen", "qwenpaw", "mcode", "dim",
] as const

export const EXECUTION_STATUSES = [
  "requested", "scheduling", "scheduled", "running", "completed", "failed", "cancelled", "canceling", "timeout", "abandoned",
] as const

const timestamps = {
  created_at: Column.timestamptz,
  updated_at: Column.timestamptz,
}

/** Columns every pack component shares: scope, identity, provenance. */
const component = {
  id: Column.int8,
  workspace_id: Column.uuid,
  ref: Column.componentRef,
  pack_ref: Column.packRef,
  label: nullable(Column.text),
  description: nullable(Column.text),
}

export const WorkspaceTable = defineTable("workspace", {
  id: Column.uuid,
  name: Column.packRef,
  description: nullable(Column.text),
  created_at: Column.timestamptz,
}, { defaulted: ["id", "created_at"] })

export const BlobTable = defineTable("blob", {
  sha256: Column.sha256Hex,
  size: Column.int4,
  bytes: Column.bytea,
  created_at: Column.timestamptz,
}, { defaulted: ["created_at"] })

export const BundleTable = defineTable("bundle", {
  id: Column.int8,
  workspace_id: Column.uuid,
  revision: Column.int4,
  digest: Column.digest,
  created_at: Column.timestamptz,
  provenance: Column.jsonb(),
  body: Column.jsonb(),
}, { generated: ["id"], defaulted: ["created_at", "provenance"] })

export const PackTable = defineTable("pack", {
  id: Column.int8,
  workspace_id: Column.uuid,
  ref: Column.packRef,
  version: Column.semver,
  label: Column.text,
  description: nullable(Column.text),
  manifest: Column.jsonb(),
  bundle_revision: nullable(Column.int4),
  bundle_digest: nullable(Column.digest),
  is_adhoc: Column.bool,
  ...timestamps,
}, { generated: ["id"], defaulted: ["manifest", "is_adhoc", "created_at", "updated_at"] })

export const RuntimeTable = defineTable("runtime", {
  id: Column.int8,
  workspace_id: Column.uuid,
  ref: Column.componentRef,
  pack_ref: nullable(Column.packRef),
  name: Column.text,
  description: nullable(Column.text),
  aliases: Column.textArray,
  distributions: Column.jsonb(),
  execution_config: Column.jsonb(),
  installation: nullable(Column.jsonb()),
  auto_detected: Column.bool,
  detection_config: Column.jsonb(),
  is_adhoc: Column.bool,
  ...timestamps,
}, {
  generated: ["id"],
  defaulted: [
    "aliases", "distributions", "execution_config", "auto_detected", "detection_config", "is_adhoc", "created_at", "updated_at",
  ],
})

export const RuntimeVersionTable = defineTable("runtime_version", {
  id: Column.int8,
  runtime_id: Column.int8,
  version: Column.text,
  is_default: Column.bool,
  execution_config: nullable(Column.jsonb()),
  distributions: nullable(Column.jsonb()),
  meta: Column.jsonb(),
  available: Column.bool,
  verified_at: nullable(Column.timestamptz),
}, { generated: ["id"], defaulted: ["is_default", "meta", "available"] })

export const ActionTable = defineTable("action", {
  ...component,
  runtime_ref: nullable(Column.componentRef),
  entry_point: nullable(Column.text),
  param_schema: nullable(Column.jsonb()),
  out_schema: nullable(Column.jsonb()),
  parameter_delivery: Column.literal("stdin", "file"),
  parameter_format: Column.literal("dotenv", "json", "yaml"),
  output_format: Column.literal("text", "json", "yaml", "jsonl"),
  runtime_version_constraint: nullable(Column.text),
  timeout_seconds: nullable(Column.int4),
  enabled: Column.bool,
  tags: Column.textArray,
  workflow_ref: nullable(Column.componentRef),
  definition: Column.jsonb(),
  is_adhoc: Column.bool,
  ...timestamps,
}, {
  generated: ["id"],
  defaulted: [
    "parameter_delivery", "parameter_format", "output_format", "enabled", "tags", "is_adhoc", "created_at", "updated_at",
  ],
})

export const TriggerTable = defineTable("trigger", {
  ...component,
  enabled: Column.bool,
  param_schema: nullable(Column.jsonb()),
  out_schema: nullable(Column.jsonb()),
  definition: Column.jsonb(),
  is_adhoc: Column.bool,
  ...timestamps,
}, { generated: ["id"], defaulted: ["enabled", "is_adhoc", "created_at", "updated_at"] })

export const SensorTable = defineTable("sensor", {
  ...component,
  runtime_ref: nullable(Column.componentRef),
  entry_point: nullable(Column.text),
  trigger_refs: Column.textArray,
  poll_interval_seconds: nullable(Column.int4),
  enabled: Column.bool,
  param_schema: nullable(Column.jsonb()),
  config: Column.jsonb(),
  definition: Column.jsonb(),
  is_adhoc: Column.bool,
  ...timestamps,
}, { generated: ["id"], defaulted: ["trigger_refs", "enabled", "config", "is_adhoc", "created_at", "updated_at"] })

export const RuleTable = defineTable("rule", {
  ...component,
  trigger_ref: Column.componentRef,
  action_ref: Column.componentRef,
  criteria: Column.jsonb(),
  action_params: Column.jsonb(),
  trigger_params: Column.jsonb(),
  enabled: Column.bool,
  definition: Column.jsonb(),
  is_adhoc: Column.bool,
  ...timestamps,
}, {
  generated: ["id"],
  defaulted: ["criteria", "action_params", "trigger_params", "enabled", "is_adhoc", "created_at", "updated_at"],
})

export const WorkflowTable = defineTable("workflow", {
  ...component,
  version: nullable(Column.semver),
  param_schema: nullable(Column.jsonb()),
  out_schema: nullable(Column.jsonb()),
  tags: Column.textArray,
  enabled: Column.bool,
  definition: Column.jsonb(),
  is_adhoc: Column.bool,
  ...timestamps,
}, { generated: ["id"], defaulted: ["tags", "enabled", "is_adhoc", "created_at", "updated_at"] })

export const PermissionSetTable = defineTable("permission_set", {
  ...component,
  grants: Column.jsonb(),
  is_adhoc: Column.bool,
  ...timestamps,
}, { generated: ["id"], defaulted: ["grants", "is_adhoc", "created_at", "updated_at"] })

export const RuntimeProfileTable = defineTable("runtime_profile", {
  id: Column.uuid,
  workspace_id: Column.uuid,
  display_name: Column.text,
  protocol_family: Column.literal(...PROTOCOL_FAMILIES),
  command_name: Column.text,
  description: nullable(Column.text),
  fixed_args: Column.jsonb(Schema.Array(Schema.String)),
  visibility: Column.literal("workspace", "private"),
  created_by: nullable(Column.uuid),
  enabled: Column.bool,
  ref: nullable(Column.componentRef),
  pack_ref: nullable(Column.packRef),
  ...timestamps,
}, { defaulted: ["id", "fixed_args", "visibility", "enabled", "created_at", "updated_at"] })

export const AgentRuntimeTable = defineTable("agent_runtime", {
  id: Column.uuid,
  workspace_id: Column.uuid,
  daemon_id: nullable(Column.text),
  name: Column.text,
  custom_name: nullable(Column.text),
  runtime_mode: Column.literal("local", "cloud"),
  provider: Column.text,
  status: Column.literal("online", "offline"),
  device_info: Column.text,
  metadata: Column.jsonb(),
  owner_id: nullable(Column.uuid),
  legacy_daemon_id: nullable(Column.text),
  visibility: Column.literal("private", "public"),
  profile_id: nullable(Column.uuid),
  last_seen_at: nullable(Column.timestamptz),
  ...timestamps,
}, {
  defaulted: ["id", "runtime_mode", "status", "device_info", "metadata", "visibility", "created_at", "updated_at"],
})

export const WorkerTable = defineTable("worker", {
  id: Column.int8,
  name: Column.text,
  host: Column.text,
  status: Column.literal("active", "inactive", "busy", "error"),
  capabilities: Column.jsonb(),
  meta: Column.jsonb(),
  last_heartbeat: nullable(Column.timestamptz),
  lease_token: nullable(Column.uuid),
  lease_expires_at: nullable(Column.timestamptz),
  registered_at: Column.timestamptz,
  updated_at: Column.timestamptz,
}, { generated: ["id"], defaulted: ["status", "capabilities", "meta", "registered_at", "updated_at"] })

export const EventTable = defineTable("event", {
  id: Column.int8,
  workspace_id: Column.uuid,
  trigger_ref: Column.componentRef,
  payload: Column.jsonb(),
  source_ref: nullable(Column.componentRef),
  created_at: Column.timestamptz,
}, { generated: ["id"], defaulted: ["payload", "created_at"] })

export const EnforcementTable = defineTable("enforcement", {
  id: Column.int8,
  workspace_id: Column.uuid,
  rule_ref: Column.componentRef,
  trigger_ref: Column.componentRef,
  event_id: Column.int8,
  status: Column.literal("created", "processed", "disabled"),
  config: Column.jsonb(),
  payload: Column.jsonb(),
  condition: Column.literal("any", "all"),
  conditions: Column.jsonb(),
  resolved_at: nullable(Column.timestamptz),
  created_at: Column.timestamptz,
}, { generated: ["id"], defaulted: ["status", "config", "payload", "condition", "conditions", "created_at"] })

export const ExecutionTable = defineTable("execution", {
  id: Column.int8,
  workspace_id: Column.uuid,
  action_ref: Column.componentRef,
  bundle_digest: nullable(Column.digest),
  runtime_ref: nullable(Column.componentRef),
  status: Column.literal(...EXECUTION_STATUSES),
  config: Column.jsonb(),
  result: nullable(Column.jsonb()),
  worker_id: nullable(Column.int8),
  lease_expires_at: nullable(Column.timestamptz),
  attempt: Column.int4,
  max_attempts: Column.int4,
  parent_id: nullable(Column.int8),
  enforcement_id: nullable(Column.int8),
  started_at: nullable(Column.timestamptz),
  finished_at: nullable(Column.timestamptz),
  ...timestamps,
}, { generated: ["id"], defaulted: ["status", "config", "attempt", "max_attempts", "created_at", "updated_at"] })

export const AgentTable = defineTable("agent", {
  id: Column.int8,
  workspace_id: Column.uuid,
  name: Column.text,
  version: Column.semver,
  runtime: Column.text,
  manifest_yaml: Column.text,
  install_dir: Column.text,
  installed_at: Column.timestamptz,
}, { generated: ["id"], defaulted: ["runtime", "installed_at"] })

/** Every registry table, in migration order. */
export const registryTables: ReadonlyArray<AnyTable> = [
  WorkspaceTable,
  BlobTable,
  BundleTable,
  PackTable,
  RuntimeTable,
  RuntimeVersionTable,
  ActionTable,
  TriggerTable,
  SensorTable,
  RuleTable,
  WorkflowTable,
  PermissionSetTable,
  RuntimeProfileTable,
  AgentRuntimeTable,
  WorkerTable,
  EventTable,
  EnforcementTable,
  ExecutionTable,
  AgentTable,
]
