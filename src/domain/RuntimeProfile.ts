/**
 * profiles/*.yaml: a custom runtime built on an existing one (multica's runtime_profile): a different
 * executable (`command_name`, one token) with `fixed_args` every run inherits. Per-run args never live here.
 */
import { Schema } from "effect"
import { StringList, opt } from "./SourceFields.js"

/** multica's supported protocol families (server/pkg/agent SupportedTypes at HEAD, in order). */
export const PROTOCOL_FAMILIES = [
  "claude", "codebuddy", "codex", "copilot", "opencode", "deveco", "openclaw", "hermes", "pi",
  "cursor", "kimi", "reasonix", "dsh", "kiro", "antigravity", "qoder", "qoderclicn", "traecli", "grok",
  "qwen", "qwenpaw", "mcode", "dim",
] as const
export const ProtocolFamily = Schema.Literal(...PROTOCOL_FAMILIES)

export const RuntimeProfileSource = Schema.Struct({
  ref: opt(Schema.String),
  name: opt(Schema.String),
  display_name: opt(Schema.String),
  label: opt(Schema.String),
  description: opt(Schema.String),
  /** The runtime this profile builds on (a runtime ref or alias). */
  runtime: Schema.String,
  protocol_family: opt(ProtocolFamily),
  command_name: Schema.String,
  fixed_args: opt(StringList),
  /** Non-secret environment; secrets are `secret:<name>` refs. */
  env: opt(Schema.Record({ key: Schema.String, value: Schema.String })),
  enabled: opt(Schema.Boolean),
  tags: opt(StringList),
}).pipe(Schema.annotations({ identifier: "RuntimeProfileSource", title: "packsmith runtime profile (profiles/*.yaml)" }))
export type RuntimeProfileSource = typeof RuntimeProfileSource.Type

export const RuntimeProfile = Schema.Struct({
  ref: Schema.String,
  pack: Schema.String,
  display_name: Schema.String,
  description: opt(Schema.String),
  runtime: Schema.String,
  protocol_family: opt(ProtocolFamily),
  command_name: Schema.String,
  fixed_args: StringList,
  env: Schema.Record({ key: Schema.String, value: Schema.String }),
  enabled: Schema.Boolean,
  tags: StringList,
}).pipe(Schema.annotations({ identifier: "RuntimeProfile" }))
export type RuntimeProfile = typeof RuntimeProfile.Type
